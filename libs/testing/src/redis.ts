import { findBinary, startServerProcess, type ServerProcess } from './process-server.js';

/** A private `redis-server` on a free port that persists nothing. */
export function startRedisServer(): Promise<ServerProcess> {
  return startServerProcess({
    binary: findBinary('redis-server', process.env.REDIS_SERVER_BIN),
    scheme: 'redis',
    args: (port, dir) => ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
  });
}

/** The shared Redis for tests that use unique key prefixes. */
export function sharedRedisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}
