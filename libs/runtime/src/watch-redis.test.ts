import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@switchboard/logger';
import { captureLogLines, startRedisServer, waitFor } from '@switchboard/testing';
import { createDependencyStatus } from './dependency-status.js';
import { redisTarget, watchRedis } from './watch-redis.js';

function capture() {
  const { lines, destination } = captureLogLines();
  return { lines, logger: createLogger({ service: 'test', level: 'info', destination }) };
}

describe('watchRedis', () => {
  it('watch redis - several clients: up once all are connected, lost when one is, back with it; stop() before a quit logs nothing', async () => {
    await using server = await startRedisServer();
    const { lines, logger } = capture();
    const status = createDependencyStatus(logger);
    const main = new Redis(server.url, { lazyConnect: true });
    const other = new Redis(server.url, { lazyConnect: true });
    try {
      const watch = watchRedis([main, other], status, redisTarget(server.url), { required: true });
      expect(status.checks()).toEqual({ redis: 'down' });
      await main.connect();
      // One of the two is not enough.
      expect(status.state('redis')).toBe('down');
      await other.connect();
      await waitFor(() => status.state('redis') === 'ok', { timeoutMs: 5000, message: 'redis up' });
      expect(status.requiredUp()).toBe(true);

      // The second client alone goes (no reconnection after a `disconnect()`): Redis is down for the service.
      other.disconnect();
      await waitFor(() => status.state('redis') === 'down', { timeoutMs: 5000, message: 'redis down' });
      expect(status.requiredUp()).toBe(false);
      await other.connect();
      await waitFor(() => status.state('redis') === 'ok', { timeoutMs: 5000, message: 'redis back' });

      watch.stop();
      // `end` comes after `close`: by then a watcher still listening would have logged the loss.
      const ended = Promise.all([main, other].map((client) => new Promise((resolve) => client.once('end', resolve))));
      await main.quit();
      await other.quit();
      await ended;
      const target = `127.0.0.1:${server.port}`;
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        ['info', `connected to redis at ${target}`],
        ['warn', `lost redis at ${target}: connection closed`],
        ['info', `redis is back at ${target}`],
      ]);
    } finally {
      main.disconnect();
      other.disconnect();
    }
  });
});
