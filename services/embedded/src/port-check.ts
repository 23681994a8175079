import { createServer } from 'node:net';
import { StartRefusedError } from './start-refused.js';

export interface PortToCheck {
  /** The variable that sets it, named in the refusal. */
  readonly variable: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Refuses to start when one of the ports is taken, before the database is opened. Needed because uWebSockets.js
 * listens with SO_REUSEPORT: a second gateway on a taken port would not fail, it would silently share it. A port
 * of 0 (any free one) is not checked.
 */
export async function assertPortsFree(ports: readonly PortToCheck[]): Promise<void> {
  for (const { variable, host, port } of ports) {
    if (port === 0) continue;
    const problem = await tryListen(host, port);
    if (problem === 'EADDRINUSE') {
      throw new StartRefusedError(`port ${port} (${variable}) on ${host} is already in use by another process: stop it, or set ${variable} to a free port`);
    }
    if (problem) throw new StartRefusedError(`cannot listen on port ${port} (${variable}) on ${host}: ${problem}`);
  }
}

function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
