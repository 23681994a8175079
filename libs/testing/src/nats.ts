import { findBinary, startServerProcess, type ServerProcess } from './process-server.js';

/** A private `nats-server -js` on a free port with its own store directory (kept across stop/start). */
export function startNatsServer(options: { port?: number } = {}): Promise<ServerProcess> {
  return startServerProcess({
    ...options,
    binary: findBinary('nats-server', process.env.NATS_SERVER_BIN),
    scheme: 'nats',
    args: (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
  });
}

/** The shared NATS for tests that only publish and subscribe on unique subjects. */
export function sharedNatsUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.NATS_URL ?? 'nats://127.0.0.1:4222';
}
