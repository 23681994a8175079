import { findBinary, startServerProcess, type ServerProcess } from './process-server.js';

/** A private `redis-server` on a free port that persists nothing; `config`: more `--name value` settings. */
export function startRedisServer(options: { port?: number; config?: Readonly<Record<string, string>> } = {}): Promise<ServerProcess> {
  const { config = {}, ...rest } = options;
  const extra = Object.entries(config).flatMap(([name, value]) => [`--${name}`, value]);
  return startServerProcess({
    ...rest,
    binary: findBinary('redis-server', process.env.REDIS_SERVER_BIN),
    scheme: 'redis',
    args: (port, dir) => ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
  });
}

/** The shared Redis for tests that use unique key prefixes. */
export function sharedRedisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** The part of a Redis client the clean-up needs (ioredis fits). */
export interface ScanningRedis {
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
}

/** Deletes a test's keys from a shared Redis, found through the test's own prefix (tests only: it scans). */
export async function deleteKeysWithPrefix(redis: ScanningRedis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
