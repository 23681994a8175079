import type { Redis } from 'ioredis';
import type { SessionInfo } from '@switchboard/protocol';
import type { ConnectionRecord, ConnectionRegistry, PresenceUpdate, SweptConnection } from './connection-registry.js';

// KEYS: device set, app sessions hash, node set. ARGV: connection id, session JSON, node member.
const ADD = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return {added, redis.call('SCARD', KEYS[1])}
`;
// KEYS: device set, app sessions hash, node set. ARGV: connection id, node member.
const REMOVE = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
return {removed, redis.call('SCARD', KEYS[1])}
`;
// KEYS: liveness key, nodes set. ARGV: node id, ttl ms. Returns 1 when the node was not registered (swept or new).
const HEARTBEAT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
return redis.call('SADD', KEYS[2], ARGV[1])
`;

export interface RedisConnectionRegistryOptions {
  readonly redis: Redis;
  /** Prefix of every key. */
  readonly prefix: string;
  /** A node whose last heartbeat is older than this is dead. */
  readonly nodeTtlMs: number;
  /** Only one node sweeps at a time; the lock lasts this long. */
  readonly sweepLockMs: number;
}

type Commands = {
  sbPresenceAdd(dev: string, sess: string, node: string, conn: string, session: string, member: string): Promise<[number, number]>;
  sbPresenceRemove(dev: string, sess: string, node: string, conn: string, member: string): Promise<[number, number]>;
  sbHeartbeat(alive: string, nodes: string, nodeId: string, ttl: number): Promise<number>;
};

/**
 * Keys (P = prefix): `P:dev:{app}:{device}` set of connection ids; `P:sess:{app}` hash connection id → session;
 * `P:node:{node}` set of the node's connections; `P:alive:{node}` liveness with a TTL; `P:nodes` the node ids.
 * No key is ever found by scanning.
 */
export function createRedisConnectionRegistry(options: RedisConnectionRegistryOptions): ConnectionRegistry {
  const { redis, prefix } = options;
  const r = redis as Redis & Commands;
  r.defineCommand('sbPresenceAdd', { numberOfKeys: 3, lua: ADD });
  r.defineCommand('sbPresenceRemove', { numberOfKeys: 3, lua: REMOVE });
  r.defineCommand('sbHeartbeat', { numberOfKeys: 2, lua: HEARTBEAT });

  const devKey = (app: string, device: string) => `${prefix}:dev:${app}:${device}`;
  const sessKey = (app: string) => `${prefix}:sess:${app}`;
  const nodeKey = (node: string) => `${prefix}:node:${node}`;
  const aliveKey = (node: string) => `${prefix}:alive:${node}`;
  const nodesKey = `${prefix}:nodes`;
  const lockKey = `${prefix}:sweep-lock`;
  // Ids never contain a tab (their patterns exclude it).
  const member = (rec: ConnectionRecord) => [rec.appId, rec.deviceId, rec.connectionId, rec.connectedAt].join('\t');
  const parseMember = (value: string, nodeId: string): ConnectionRecord | undefined => {
    const [appId, deviceId, connectionId, connectedAt] = value.split('\t');
    if (!appId || !deviceId || !connectionId || !connectedAt) return undefined;
    return { appId, deviceId, connectionId, connectedAt, nodeId };
  };

  const remove = async (rec: ConnectionRecord): Promise<PresenceUpdate> => {
    const [removed, count] = await r.sbPresenceRemove(devKey(rec.appId, rec.deviceId), sessKey(rec.appId), nodeKey(rec.nodeId), rec.connectionId, member(rec));
    return { changed: removed === 1, crossed: removed === 1 && count === 0, activeConnections: count };
  };

  return {
    async add(rec) {
      const session = JSON.stringify({ device_id: rec.deviceId, connected_at: rec.connectedAt, node_id: rec.nodeId });
      const [added, count] = await r.sbPresenceAdd(devKey(rec.appId, rec.deviceId), sessKey(rec.appId), nodeKey(rec.nodeId), rec.connectionId, session, member(rec));
      return { changed: added === 1, crossed: added === 1 && count === 1, activeConnections: count };
    },
    remove,
    async listSessions(appId) {
      const all = await redis.hgetall(sessKey(appId));
      const sessions: SessionInfo[] = [];
      for (const [connectionId, json] of Object.entries(all)) {
        try {
          const s = JSON.parse(json) as { device_id: string; connected_at: string; node_id: string };
          sessions.push({ connection_id: connectionId, device_id: s.device_id, connected_at: s.connected_at, node_id: s.node_id });
        } catch {
          // a damaged entry is skipped, not fatal
        }
      }
      return sessions.sort((a, b) => a.connected_at.localeCompare(b.connected_at));
    },
    async heartbeat(nodeId) {
      const added = await r.sbHeartbeat(aliveKey(nodeId), nodesKey, nodeId, options.nodeTtlMs);
      return { swept: added === 1 };
    },
    async sweepDeadNodes() {
      const locked = await redis.set(lockKey, '1', 'PX', options.sweepLockMs, 'NX');
      if (locked !== 'OK') return [];
      const swept: SweptConnection[] = [];
      for (const nodeId of await redis.smembers(nodesKey)) {
        if ((await redis.exists(aliveKey(nodeId))) === 1) continue;
        for (const value of await redis.smembers(nodeKey(nodeId))) {
          const record = parseMember(value, nodeId);
          if (!record) continue;
          swept.push({ record, update: await remove(record) });
        }
        // Only forget the node if it did not come back meanwhile.
        if ((await redis.exists(aliveKey(nodeId))) === 0) {
          await redis.multi().srem(nodesKey, nodeId).del(nodeKey(nodeId)).exec();
        }
      }
      return swept;
    },
    async removeNode(nodeId) {
      await redis.multi().srem(nodesKey, nodeId).del(nodeKey(nodeId), aliveKey(nodeId)).exec();
    },
  };
}
