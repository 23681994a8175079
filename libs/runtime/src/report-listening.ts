/** What a service sends its parent once it listens: the variable that named its port, and the port it bound. */
export interface ListeningReport {
  readonly type: 'listening';
  readonly variable: string;
  readonly port: number;
}

/**
 * Tells the parent process which port the service bound (useful with a port of `0`), when it was started with an
 * IPC channel (a test harness); does nothing otherwise. The service's own "listening" log line says the same to
 * people.
 */
export function reportListening(variable: string, port: number): void {
  const report: ListeningReport = { type: 'listening', variable, port };
  if (process.send && process.connected) process.send(report);
}
