import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, sharedRedisUrl, sleep } from '@switchboard/testing';
import type { ConnectionRecord, ConnectionRegistry } from '../src/presence/connection-registry.js';
import { createMemoryConnectionRegistry } from '../src/presence/memory-connection-registry.js';
import { createRedisConnectionRegistry } from '../src/presence/redis-connection-registry.js';

/** What the gateway needs from its presence and session registry, on Redis and on the embedded stand-in. */
function registryContract(name: string, create: () => ConnectionRegistry) {
  describe(`registry contract: ${name}`, () => {
    const rec = (connectionId: string, deviceId = 'd1', nodeId = 'n1', appId = 'app_1'): ConnectionRecord => ({
      connectionId,
      appId,
      deviceId,
      nodeId,
      connectedAt: `2026-01-01T00:00:0${connectionId.length % 10}.000Z`,
    });

    it(`${name} - a device crosses online at its first connection and offline after its last`, async () => {
      const registry = create();
      await registry.heartbeat('n1');
      expect(await registry.add(rec('c1'))).toEqual({ changed: true, crossed: true, activeConnections: 1 });
      expect(await registry.add(rec('c2', 'd1', 'n2'))).toEqual({ changed: true, crossed: false, activeConnections: 2 });
      expect(await registry.add(rec('c2', 'd1', 'n2'))).toEqual({ changed: false, crossed: false, activeConnections: 2 });
      expect(await registry.remove(rec('c1'))).toEqual({ changed: true, crossed: false, activeConnections: 1 });
      expect(await registry.remove(rec('c1'))).toEqual({ changed: false, crossed: false, activeConnections: 1 });
      expect(await registry.remove(rec('c2', 'd1', 'n2'))).toEqual({ changed: true, crossed: true, activeConnections: 0 });
    });

    it(`${name} - concurrent changes of one device cross each boundary once`, async () => {
      const registry = create();
      const records = Array.from({ length: 20 }, (_, i) => rec(`k${i}`, 'busy', `n${i % 3}`));
      const added = await Promise.all(records.map((r) => registry.add(r)));
      expect(added.filter((u) => u.crossed)).toHaveLength(1);
      const removed = await Promise.all(records.map((r) => registry.remove(r)));
      expect(removed.filter((u) => u.crossed)).toHaveLength(1);
    });

    it(`${name} - sessions are listed per app across nodes`, async () => {
      const registry = create();
      await registry.add(rec('s1', 'd1', 'n1', 'app_a'));
      await registry.add(rec('s22', 'd2', 'n2', 'app_a'));
      await registry.add(rec('s3', 'd3', 'n1', 'app_b'));
      expect(await registry.listSessions('app_a')).toEqual([
        { connection_id: 's1', device_id: 'd1', connected_at: rec('s1').connectedAt, node_id: 'n1' },
        { connection_id: 's22', device_id: 'd2', connected_at: rec('s22').connectedAt, node_id: 'n2' },
      ]);
      await registry.remove(rec('s1', 'd1', 'n1', 'app_a'));
      expect((await registry.listSessions('app_a')).map((s) => s.connection_id)).toEqual(['s22']);
      expect(await registry.listSessions('app_none')).toEqual([]);
    });

    it(`${name} - heartbeat tells a node it was not registered`, async () => {
      const registry = create();
      expect(await registry.heartbeat('fresh')).toEqual({ swept: true });
      expect(await registry.heartbeat('fresh')).toEqual({ swept: false });
      await registry.removeNode('fresh');
      expect(await registry.heartbeat('fresh')).toEqual({ swept: true });
    });
  });
}

registryContract('memory', createMemoryConnectionRegistry);

const redis = new Redis(sharedRedisUrl(), { lazyConnect: true });
redis.on('error', () => {});
const prefixes: string[] = [];
registryContract('redis', () => {
  const prefix = `sbtest-registry-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return createRedisConnectionRegistry({ redis, prefix, nodeTtlMs: 300, sweepLockMs: 50 });
});

describe('registry: redis only', () => {
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('redis - a node whose liveness lapsed is swept once, with the updates to announce', async () => {
    const prefix = `sbtest-registry-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    const registry = createRedisConnectionRegistry({ redis, prefix, nodeTtlMs: 200, sweepLockMs: 10 });
    await registry.heartbeat('dead');
    await registry.heartbeat('alive');
    const base = { appId: 'app_1', connectedAt: '2026-01-01T00:00:00.000Z' };
    await registry.add({ ...base, connectionId: 'x1', deviceId: 'dev', nodeId: 'dead' });
    await registry.add({ ...base, connectionId: 'x2', deviceId: 'dev', nodeId: 'alive' });
    await registry.add({ ...base, connectionId: 'x3', deviceId: 'solo', nodeId: 'dead' });
    await sleep(250);
    await registry.heartbeat('alive');
    const swept = await registry.sweepDeadNodes();
    expect(swept.map((s) => [s.record.connectionId, s.update.crossed]).sort()).toEqual([['x1', false], ['x3', true]]);
    await sleep(20);
    expect(await registry.sweepDeadNodes()).toEqual([]);
    expect((await registry.listSessions('app_1')).map((s) => s.connection_id)).toEqual(['x2']);
    expect(await registry.heartbeat('dead')).toEqual({ swept: true });
  });
});
