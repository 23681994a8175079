import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createMemoryPresence, createRedisPresenceReader, type PresenceReader } from '@switchboard/presence';
import { deleteKeysWithPrefix, sharedRedisUrl, sleep } from '@switchboard/testing';
import type { AgentRecord, ConnectionRecord, ConnectionRegistry } from '../src/presence/connection-registry.js';
import { createMemoryConnectionRegistry } from '../src/presence/memory-connection-registry.js';
import { createRedisConnectionRegistry } from '../src/presence/redis-connection-registry.js';

/**
 * The read side of presence (`@switchboard/presence`'s `PresenceReader`, used by the webhooks service for
 * `recipient_online`) answers from what the gateway's registry writes, on Redis and on the in-memory store of
 * `npm start`: the same tests on both pairs.
 */
interface Pair {
  readonly registry: ConnectionRegistry;
  readonly reader: PresenceReader;
}

function readerContract(name: string, create: () => Pair) {
  describe(`presence reader contract: ${name}`, () => {
    const rec = (connectionId: string, deviceId: string, userId: string | null = null, nodeId = 'n1', appId = 'app_1'): ConnectionRecord => ({
      connectionId,
      appId,
      deviceId,
      userId,
      nodeId,
      connectedAt: '2026-01-01T00:00:00.000Z',
    });
    const agent = (connectionId: string, nodeId = 'n1', appId = 'app_1'): AgentRecord => ({ connectionId, appId, nodeId });

    it(`${name} - a device is online from its first connection until its last one closes (not during the grace), per app`, async () => {
      const { registry, reader } = create();
      expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(false);
      await registry.add(rec('c1', 'phone'));
      await registry.add(rec('c2', 'phone', null, 'n2'));
      expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(true);
      expect(await reader.isDeviceOnline('app_1', 'tablet')).toBe(false);
      expect(await reader.isDeviceOnline('app_2', 'phone')).toBe(false);
      await registry.remove(rec('c1', 'phone'));
      expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(true);
      const last = await registry.remove(rec('c2', 'phone', null, 'n2'));
      // Closed, in its grace (it may come back): no open socket now, so not online for a webhook.
      expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(false);
      await registry.settle(rec('c2', 'phone', null, 'n2'), last.token);
      expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(false);
    });

    it(`${name} - a signed-in user is online while any of their devices has a connection; anonymous connections never count`, async () => {
      const { registry, reader } = create();
      await registry.add(rec('u1', 'phone', 'alice'));
      await registry.add(rec('u2', 'laptop', 'alice', 'n2'));
      await registry.add(rec('u3', 'kiosk', null));
      expect(await reader.isUserOnline('app_1', 'alice')).toBe(true);
      expect(await reader.isUserOnline('app_1', 'bob')).toBe(false);
      expect(await reader.isUserOnline('app_2', 'alice')).toBe(false);
      await registry.remove(rec('u1', 'phone', 'alice'));
      expect(await reader.isUserOnline('app_1', 'alice')).toBe(true);
      await registry.remove(rec('u2', 'laptop', 'alice', 'n2'));
      expect(await reader.isUserOnline('app_1', 'alice')).toBe(false);
      // The anonymous kiosk is online as a device only.
      expect(await reader.isDeviceOnline('app_1', 'kiosk')).toBe(true);
      expect(await reader.isUserOnline('app_1', '')).toBe(false);
    });

    it(`${name} - a user re-registered after a sweep (the same connection added again) is still counted once`, async () => {
      const { registry, reader } = create();
      await registry.add(rec('w1', 'phone', 'carol'));
      await registry.add(rec('w1', 'phone', 'carol'));
      await registry.remove(rec('w1', 'phone', 'carol'));
      expect(await reader.isUserOnline('app_1', 'carol')).toBe(false);
      expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(false);
    });

    it(`${name} - an app has an agent online while any agent socket is open on any node`, async () => {
      const { registry, reader } = create();
      expect(await reader.isAnyAgentOnline('app_1')).toBe(false);
      await registry.addAgent(agent('a1', 'n1'));
      await registry.addAgent(agent('a2', 'n2'));
      await registry.addAgent(agent('a3', 'n1', 'app_2'));
      expect(await reader.isAnyAgentOnline('app_1')).toBe(true);
      expect(await reader.isAnyAgentOnline('app_3')).toBe(false);
      await registry.removeAgent(agent('a1', 'n1'));
      expect(await reader.isAnyAgentOnline('app_1')).toBe(true);
      await registry.removeAgent(agent('a2', 'n2'));
      expect(await reader.isAnyAgentOnline('app_1')).toBe(false);
      expect(await reader.isAnyAgentOnline('app_2')).toBe(true);
      // Removing twice, or what was never added, changes nothing.
      await registry.removeAgent(agent('a2', 'n2'));
      await registry.removeAgent(agent('never', 'n2'));
      expect(await reader.isAnyAgentOnline('app_2')).toBe(true);
    });

    it(`${name} - a node that leaves takes its agents with it, and only its own`, async () => {
      const { registry, reader } = create();
      await registry.heartbeat('leaving');
      await registry.heartbeat('staying');
      await registry.addAgent(agent('l1', 'leaving', 'app_x'));
      await registry.addAgent(agent('l2', 'leaving', 'app_y'));
      await registry.addAgent(agent('s1', 'staying', 'app_y'));
      await registry.removeNode('leaving');
      expect(await reader.isAnyAgentOnline('app_x')).toBe(false);
      expect(await reader.isAnyAgentOnline('app_y')).toBe(true);
      await registry.removeAgent(agent('s1', 'staying', 'app_y'));
      expect(await reader.isAnyAgentOnline('app_y')).toBe(false);
    });

    it(`${name} - a recovered agent connection on another node outlives the removal of its old entry`, async () => {
      const { registry, reader } = create();
      // Connection state recovery keeps the socket id: the same id, registered by the new node first.
      await registry.addAgent(agent('same', 'n2'));
      await registry.removeAgent(agent('same', 'n1'));
      expect(await reader.isAnyAgentOnline('app_1')).toBe(true);
    });
  });
}

readerContract('memory', () => {
  const presence = createMemoryPresence();
  return { registry: createMemoryConnectionRegistry(presence), reader: presence.reader };
});

const redis = new Redis(sharedRedisUrl(), { lazyConnect: true });
redis.on('error', () => {});
const prefixes: string[] = [];
const uniquePrefix = () => {
  const prefix = `sbtest-presence-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
};
readerContract('redis', () => {
  const prefix = uniquePrefix();
  return {
    registry: createRedisConnectionRegistry({ redis, prefix, nodeTtlMs: 300, nodeLostMs: 300, sweepLockMs: 50 }),
    reader: createRedisPresenceReader({ redis, prefix }),
  };
});

describe('presence reader: redis only', () => {
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it("redis - a dead node's agents, users and devices stop being online when it is swept; a live node's stay", async () => {
    const prefix = uniquePrefix();
    const registry = createRedisConnectionRegistry({ redis, prefix, nodeTtlMs: 200, nodeLostMs: 200, sweepLockMs: 10 });
    const reader = createRedisPresenceReader({ redis, prefix });
    await registry.heartbeat('dead');
    await registry.heartbeat('alive');
    const base = { appId: 'app_1', connectedAt: '2026-01-01T00:00:00.000Z' };
    await registry.add({ ...base, connectionId: 'd1', deviceId: 'phone', userId: 'dana', nodeId: 'dead' });
    await registry.add({ ...base, connectionId: 'd2', deviceId: 'tablet', userId: 'erin', nodeId: 'alive' });
    await registry.addAgent({ connectionId: 'ag-dead', appId: 'app_1', nodeId: 'dead' });
    await registry.addAgent({ connectionId: 'ag-dead', appId: 'app_2', nodeId: 'dead' });
    await registry.addAgent({ connectionId: 'ag-alive', appId: 'app_3', nodeId: 'alive' });
    await sleep(250);
    await registry.heartbeat('alive');
    // Still counted until a sweep notices: the bound is the node TTL plus the sweep interval (≤ 30 s in production).
    expect(await reader.isAnyAgentOnline('app_1')).toBe(true);
    await registry.sweepDeadNodes();
    expect(await reader.isDeviceOnline('app_1', 'phone')).toBe(false);
    expect(await reader.isUserOnline('app_1', 'dana')).toBe(false);
    expect(await reader.isAnyAgentOnline('app_1')).toBe(false);
    expect(await reader.isAnyAgentOnline('app_2')).toBe(false);
    expect(await reader.isDeviceOnline('app_1', 'tablet')).toBe(true);
    expect(await reader.isUserOnline('app_1', 'erin')).toBe(true);
    expect(await reader.isAnyAgentOnline('app_3')).toBe(true);
    expect(await redis.exists(`${prefix}:node-agents:dead`)).toBe(0);
  });
});
