import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { nodeConnectionName } from '@switchboard/presence';
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
      userId: null,
      nodeId,
      connectedAt: `2026-01-01T00:00:0${connectionId.length % 10}.000Z`,
    });

    it(`${name} - a device crosses online at its first connection and offline when the departure of its last is settled`, async () => {
      const registry = create();
      await registry.heartbeat('n1');
      expect(await registry.add(rec('c1'))).toEqual({ changed: true, crossed: true, activeConnections: 1, resumed: false });
      expect(await registry.add(rec('c2', 'd1', 'n2'))).toEqual({ changed: true, crossed: false, activeConnections: 2, resumed: false });
      expect(await registry.add(rec('c2', 'd1', 'n2'))).toEqual({ changed: false, crossed: false, activeConnections: 2, resumed: false });
      const first = await registry.remove(rec('c1'));
      expect(first.removed).toBe(true);
      expect((await registry.remove(rec('c1'))).removed).toBe(false);
      expect(await registry.settle(rec('c1'), first.token)).toEqual({ changed: true, crossed: false, activeConnections: 1 });
      expect(await registry.settle(rec('c1'), first.token)).toEqual({ changed: false, crossed: false, activeConnections: 1 });
      const last = await registry.remove(rec('c2', 'd1', 'n2'));
      // In its grace the session is still listed, and the device not yet offline.
      expect((await registry.listSessions('app_1')).map((s) => s.connection_id)).toEqual(['c2']);
      expect(await registry.settle(rec('c2', 'd1', 'n2'), last.token)).toEqual({ changed: true, crossed: true, activeConnections: 0 });
      expect(await registry.listSessions('app_1')).toEqual([]);
    });

    it(`${name} - a connection back within its grace resumes silently; a device back with a new one stays online`, async () => {
      const registry = create();
      const gone = await registry.remove((await registry.add(rec('r1', 'phone')), rec('r1', 'phone')));
      // Recovered on another node: the same connection, nothing to announce, and its departure comes to nothing.
      expect(await registry.add(rec('r1', 'phone', 'n2'))).toEqual({ changed: true, crossed: false, activeConnections: 1, resumed: true });
      expect(await registry.settle(rec('r1', 'phone'), gone.token)).toEqual({ changed: false, crossed: false, activeConnections: 1 });

      const again = await registry.remove(rec('r1', 'phone', 'n2'));
      expect(await registry.add(rec('r2', 'phone'))).toEqual({ changed: true, crossed: false, activeConnections: 1, resumed: false });
      // r1's session ends (it did not come back) but the device never went offline.
      expect(await registry.settle(rec('r1', 'phone', 'n2'), again.token)).toEqual({ changed: true, crossed: false, activeConnections: 1 });
      const last = await registry.remove(rec('r2', 'phone'));
      expect(await registry.settle(rec('r2', 'phone'), last.token)).toEqual({ changed: true, crossed: true, activeConnections: 0 });
      // Offline for good: the next connection crosses online.
      expect((await registry.add(rec('r3', 'phone'))).crossed).toBe(true);
    });

    it(`${name} - concurrent changes of one device cross each boundary once`, async () => {
      const registry = create();
      const records = Array.from({ length: 20 }, (_, i) => rec(`k${i}`, 'busy', `n${i % 3}`));
      const added = await Promise.all(records.map((r) => registry.add(r)));
      expect(added.filter((u) => u.crossed)).toHaveLength(1);
      const departures = await Promise.all(records.map((r) => registry.remove(r)));
      const settled = await Promise.all(records.map((r, i) => registry.settle(r, departures[i]!.token)));
      expect(settled.filter((u) => u.crossed)).toHaveLength(1);
    });

    it(`${name} - a device's live connections are counted on every node together, departures excluded`, async () => {
      const registry = create();
      expect(await registry.countDeviceConnections('app_1', 'counted')).toBe(0);
      await registry.add(rec('q1', 'counted', 'n1'));
      await registry.add(rec('q2', 'counted', 'n2'));
      await registry.add(rec('q3', 'other', 'n2'));
      await registry.add(rec('q4', 'counted', 'n1', 'app_2'));
      expect(await registry.countDeviceConnections('app_1', 'counted')).toBe(2);
      // A connection that left stops counting at once, though its session waits out the grace.
      await registry.remove(rec('q2', 'counted', 'n2'));
      expect(await registry.countDeviceConnections('app_1', 'counted')).toBe(1);
      expect(await registry.countDeviceConnections('app_2', 'counted')).toBe(1);
    });

    it(`${name} - sessions are listed per app across nodes`, async () => {
      const registry = create();
      await registry.add(rec('s1', 'd1', 'n1', 'app_a'));
      await registry.add(rec('s22', 'd2', 'n2', 'app_a'));
      await registry.add(rec('s3', 'd3', 'n1', 'app_b'));
      expect(await registry.listSessions('app_a')).toEqual([
        { connection_id: 's1', device_id: 'd1', user_id: null, connected_at: rec('s1').connectedAt, node_id: 'n1' },
        { connection_id: 's22', device_id: 'd2', user_id: null, connected_at: rec('s22').connectedAt, node_id: 'n2' },
      ]);
      const departure = await registry.remove(rec('s1', 'd1', 'n1', 'app_a'));
      await registry.settle(rec('s1', 'd1', 'n1', 'app_a'), departure.token);
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
  return createRedisConnectionRegistry({ redis, prefix, nodeTtlMs: 300, nodeLostMs: 300, sweepLockMs: 50 });
});

describe('registry: redis only', () => {
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('redis - a node whose liveness lapsed is swept once (its departures in grace settled), with the updates to announce', async () => {
    const prefix = `sbtest-registry-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    const registry = createRedisConnectionRegistry({ redis, prefix, nodeTtlMs: 200, nodeLostMs: 200, sweepLockMs: 10 });
    await registry.heartbeat('dead');
    await registry.heartbeat('alive');
    const base = { appId: 'app_1', userId: null, connectedAt: '2026-01-01T00:00:00.000Z' };
    await registry.add({ ...base, connectionId: 'x1', deviceId: 'dev', nodeId: 'dead' });
    await registry.add({ ...base, connectionId: 'x2', deviceId: 'dev', nodeId: 'alive' });
    await registry.add({ ...base, connectionId: 'x3', deviceId: 'solo', nodeId: 'dead' });
    // The dead node was waiting out this departure's grace when it died: the sweep settles it.
    await registry.add({ ...base, connectionId: 'x4', deviceId: 'leaving', nodeId: 'dead' });
    await registry.remove({ ...base, connectionId: 'x4', deviceId: 'leaving', nodeId: 'dead' });
    await sleep(250);
    await registry.heartbeat('alive');
    const swept = await registry.sweepDeadNodes();
    expect(swept.map((s) => [s.record.connectionId, s.update.crossed]).sort()).toEqual([['x1', false], ['x3', true], ['x4', true]]);
    await sleep(20);
    expect(await registry.sweepDeadNodes()).toEqual([]);
    expect((await registry.listSessions('app_1')).map((s) => s.connection_id)).toEqual(['x2']);
    expect(await registry.heartbeat('dead')).toEqual({ swept: true });
  });

  it('redis - a node past its TTL whose named connection is open is paused: swept only once its last heartbeat is nodeLostMs old; one whose connection closed is swept at once', async () => {
    const prefix = `sbtest-registry-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    const timing = { nodeTtlMs: 200, nodeLostMs: 2_000, sweepLockMs: 10 };
    // Each node beats on its own connection, named as a gateway names it: the one the sweeper looks for.
    const connectionOf = async (nodeId: string) => {
      const client = new Redis(sharedRedisUrl(), { connectionName: nodeConnectionName(prefix, nodeId) });
      client.on('error', () => {});
      await client.ping();
      return client;
    };
    const frozen = await connectionOf('frozen');
    const killed = await connectionOf('killed');
    const paused: string[] = [];
    const sweeper = createRedisConnectionRegistry({ redis, prefix, ...timing, onNodePaused: (nodeId) => paused.push(nodeId) });
    const base = { appId: 'app_1', userId: null, connectedAt: '2026-01-01T00:00:00.000Z' };
    for (const [client, nodeId] of [[frozen, 'frozen'], [killed, 'killed']] as const) {
      const registry = createRedisConnectionRegistry({ redis: client, prefix, ...timing });
      await registry.heartbeat(nodeId);
      await registry.add({ ...base, connectionId: `${nodeId}-c`, deviceId: `${nodeId}-device`, nodeId });
    }
    const beatAt = Date.now();
    // Killed: its kernel closes the connection. Frozen: the connection stays open, nobody beats.
    killed.disconnect();
    await sleep(300);
    const first = await sweeper.sweepDeadNodes();
    expect(first.map((s) => [s.record.connectionId, s.update.crossed])).toEqual([['killed-c', true]]);
    expect(paused).toEqual(['frozen']);
    expect((await sweeper.listSessions('app_1')).map((s) => s.connection_id)).toEqual(['frozen-c']);
    await sleep(200);
    expect(await sweeper.sweepDeadNodes()).toEqual([]);
    expect(paused).toEqual(['frozen']);

    // The bound of a lost host: its last heartbeat nodeLostMs old, it is swept whatever its connection says.
    await sleep(timing.nodeLostMs - (Date.now() - beatAt) + 100);
    const late = await sweeper.sweepDeadNodes();
    expect(late.map((s) => [s.record.connectionId, s.update.crossed])).toEqual([['frozen-c', true]]);
    expect(await sweeper.listSessions('app_1')).toEqual([]);
    expect(await redis.exists(`${prefix}:seen:frozen`)).toBe(0);
    await frozen.quit();
  });
});
