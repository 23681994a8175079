import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SessionInfo } from '@switchboard/protocol';
import { agentMember, nodeAgentMember, nodeConnectionName, parseNodeAgentMember, presenceKeys } from '@switchboard/presence';
import type { AddUpdate, AgentRecord, ConnectionRecord, ConnectionRegistry, Departure, PresenceUpdate, SweptConnection } from './connection-registry.js';

// KEYS: device set, app sessions hash, node set, app departures hash, device away key, user set.
// ARGV: connection id, session JSON, node member, '1' when the connection has a signed-in user.
// Returns {added, count, resumed, crossed}: a connection back within its grace is `resumed`; a device back within
// its grace (its away key still set) does not cross online.
const ADD = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[4] == '1' then redis.call('SADD', KEYS[6], ARGV[1]) end
local resumed = 0
if added == 1 then resumed = redis.call('HDEL', KEYS[4], ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
local count = redis.call('SCARD', KEYS[1])
local crossed = 0
if added == 1 and count == 1 and redis.call('DEL', KEYS[5]) == 0 then crossed = 1 end
return {added, count, resumed, crossed}
`;
// KEYS: device set, node set, app departures hash, device away key, node departures set, user set.
// ARGV: connection id, node member, token, away ttl ms, '1' with a signed-in user. Returns {removed, count}.
const REMOVE = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if ARGV[5] == '1' then redis.call('SREM', KEYS[6], ARGV[1]) end
redis.call('SREM', KEYS[2], ARGV[2])
local count = redis.call('SCARD', KEYS[1])
if removed == 0 then return {0, count} end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[5], ARGV[3] .. '\\t' .. ARGV[2])
if count == 0 then redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4]) end
return {1, count}
`;
// KEYS: device set, app sessions hash, app departures hash, device away key, node departures set.
// ARGV: connection id, token. Returns {ended, offline, count}: nothing when the departure was superseded (the
// connection came back, or left again later).
const SETTLE = `
redis.call('SREM', KEYS[5], ARGV[2] .. '\\t' .. ARGV[3])
local count = redis.call('SCARD', KEYS[1])
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return {0, 0, count} end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local offline = 0
if count == 0 and redis.call('GET', KEYS[4]) == ARGV[2] then
  redis.call('DEL', KEYS[4])
  offline = 1
end
return {1, offline, count}
`;
// A dead node's live connection, removed at once. KEYS: device set, app sessions hash, node set, device away key,
// user set. ARGV: connection id, node member, '1' with a signed-in user. The device crosses offline unless a
// departure of it is still in its grace (that one will announce it).
const SWEEP_REMOVE = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if ARGV[3] == '1' then redis.call('SREM', KEYS[5], ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
local count = redis.call('SCARD', KEYS[1])
local crossed = 0
if removed == 1 and count == 0 and redis.call('EXISTS', KEYS[4]) == 0 then crossed = 1 end
return {removed, count, crossed}
`;
// KEYS: liveness key, nodes set, seen key. ARGV: node id, ttl ms, lost ttl ms. Returns 1 when the node was not
// registered (swept or new).
const HEARTBEAT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
return redis.call('SADD', KEYS[2], ARGV[1])
`;

export interface RedisConnectionRegistryOptions {
  readonly redis: Redis;
  /** Prefix of every key. */
  readonly prefix: string;
  /**
   * A node whose last heartbeat is older than this is dead, unless its registry connection (named
   * `nodeConnectionName(prefix, nodeId)`; the composition root names it) is still open in Redis: then it is taken as
   * paused (SIGSTOP, a long GC or swap stall), and swept only once its last heartbeat is older than `nodeLostMs`.
   */
  readonly nodeTtlMs: number;
  /**
   * The bound for a node whose connection stays open though it no longer beats: a host lost with its network (the
   * kernel that would close its connections went with it), or a freeze that long. Set by the beating node, like
   * `nodeTtlMs`. At most `nodeTtlMs` has the old behaviour (no wait).
   */
  readonly nodeLostMs: number;
  /** Only one node sweeps at a time; the lock lasts this long. */
  readonly sweepLockMs: number;
  /**
   * `CLIENT LIST` failed (a Redis, proxy or ACL that refuses it): expired nodes are then swept at once, as if their
   * connections were closed. Called at each failed sweep; the caller logs it.
   */
  readonly onConnectionListError?: ((error: unknown) => void) | undefined;
  /** A node's liveness lapsed but its connection is open: the sweep waits for it (called once per pause). */
  readonly onNodePaused?: ((nodeId: string) => void) | undefined;
}

/** The names of the normal (not pub/sub, not replica) connections open on Redis now; `undefined` if it refuses. */
async function openConnectionNames(redis: Redis, onError: ((error: unknown) => void) | undefined): Promise<Set<string> | undefined> {
  try {
    const list = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'));
    const names = new Set<string>();
    for (const line of list.split('\n')) {
      const name = /(?:^| )name=(\S+)/.exec(line)?.[1];
      if (name) names.add(name);
    }
    return names;
  } catch (error) {
    onError?.(error);
    return undefined;
  }
}

/**
 * How long a device's departure marker outlives its grace at most (a safety net: departures are settled by their
 * node, or by the sweep when it dies).
 */
const AWAY_TTL_MS = 600_000;

type Flag = '1' | '0';
type Commands = {
  sbPresenceAdd(dev: string, sess: string, node: string, left: string, away: string, user: string, conn: string, session: string, member: string, signedIn: Flag): Promise<[number, number, number, number]>;
  sbPresenceRemove(dev: string, node: string, left: string, away: string, leaving: string, user: string, conn: string, member: string, token: string, ttl: number, signedIn: Flag): Promise<[number, number]>;
  sbPresenceSettle(dev: string, sess: string, left: string, away: string, leaving: string, conn: string, token: string, member: string): Promise<[number, number, number]>;
  sbPresenceSweepRemove(dev: string, sess: string, node: string, away: string, user: string, conn: string, member: string, signedIn: Flag): Promise<[number, number, number]>;
  sbHeartbeat(alive: string, nodes: string, seen: string, nodeId: string, ttl: number, lostTtl: number): Promise<number>;
};

/** The registry on Redis, with the key layout of `@switchboard/presence` (`presence-keys.ts` lists the keys). */
export function createRedisConnectionRegistry(options: RedisConnectionRegistryOptions): ConnectionRegistry {
  const { redis, prefix } = options;
  const r = redis as Redis & Commands;
  r.defineCommand('sbPresenceAdd', { numberOfKeys: 6, lua: ADD });
  r.defineCommand('sbPresenceRemove', { numberOfKeys: 6, lua: REMOVE });
  r.defineCommand('sbPresenceSettle', { numberOfKeys: 5, lua: SETTLE });
  r.defineCommand('sbPresenceSweepRemove', { numberOfKeys: 5, lua: SWEEP_REMOVE });
  r.defineCommand('sbHeartbeat', { numberOfKeys: 3, lua: HEARTBEAT });

  const keys = presenceKeys(prefix);
  const devKey = (rec: ConnectionRecord) => keys.device(rec.appId, rec.deviceId);
  const awayKey = (rec: ConnectionRecord) => keys.away(rec.appId, rec.deviceId);
  // An anonymous connection names a user key it never touches (its flag is '0').
  const userKey = (rec: ConnectionRecord) => keys.user(rec.appId, rec.userId ?? '');
  const signedIn = (rec: ConnectionRecord): Flag => (rec.userId ? '1' : '0');
  const sessKey = keys.sessions;
  const leftKey = keys.departures;
  const nodeKey = keys.node;
  const leavingKey = keys.leaving;
  const aliveKey = keys.alive;
  const seenKey = keys.seen;
  const nodesKey = keys.nodes;
  const lockKey = keys.sweepLock;
  // Ids never contain a tab (their patterns exclude it).
  const member = (rec: ConnectionRecord) => [rec.appId, rec.deviceId, rec.connectionId, rec.connectedAt, rec.userId ?? ''].join('\t');
  const parseMember = (value: string, nodeId: string): ConnectionRecord | undefined => {
    // The user id is the fifth field (absent in members written before it existed: anonymous).
    const [appId, deviceId, connectionId, connectedAt, userId] = value.split('\t');
    if (!appId || !deviceId || !connectionId || !connectedAt) return undefined;
    return { appId, deviceId, connectionId, connectedAt, nodeId, userId: userId || null };
  };

  /** Expired nodes this registry's sweeps found paused and have not swept since (for `onNodePaused`, once each). */
  const paused = new Set<string>();

  const agentOfNode = (rec: AgentRecord) => nodeAgentMember(rec.appId, rec.connectionId);
  /** A node's agent connections leave their apps' sets (the node died, or is leaving). */
  const removeAgentsOf = async (nodeId: string) => {
    const members = await redis.smembers(keys.nodeAgents(nodeId));
    if (members.length === 0) return;
    const batch = redis.multi();
    for (const value of members) {
      const agent = parseNodeAgentMember(value);
      if (agent) batch.srem(keys.agents(agent.appId), agentMember(agent.connectionId, nodeId));
      batch.srem(keys.nodeAgents(nodeId), value);
    }
    await batch.exec();
  };

  const settle = async (rec: ConnectionRecord, token: string): Promise<PresenceUpdate> => {
    const [ended, offline, count] = await r.sbPresenceSettle(devKey(rec), sessKey(rec.appId), leftKey(rec.appId), awayKey(rec), leavingKey(rec.nodeId), rec.connectionId, token, member(rec));
    return { changed: ended === 1, crossed: offline === 1, activeConnections: count };
  };

  return {
    async add(rec): Promise<AddUpdate> {
      const session = JSON.stringify({ device_id: rec.deviceId, user_id: rec.userId, connected_at: rec.connectedAt, node_id: rec.nodeId });
      const [added, count, resumed, crossed] = await r.sbPresenceAdd(devKey(rec), sessKey(rec.appId), nodeKey(rec.nodeId), leftKey(rec.appId), awayKey(rec), userKey(rec), rec.connectionId, session, member(rec), signedIn(rec));
      return { changed: added === 1, crossed: crossed === 1, activeConnections: count, resumed: resumed === 1 };
    },
    async remove(rec): Promise<Departure> {
      const token = randomUUID();
      const [removed] = await r.sbPresenceRemove(devKey(rec), nodeKey(rec.nodeId), leftKey(rec.appId), awayKey(rec), leavingKey(rec.nodeId), userKey(rec), rec.connectionId, member(rec), token, AWAY_TTL_MS, signedIn(rec));
      return { removed: removed === 1, token };
    },
    settle,
    countDeviceConnections: (appId, deviceId) => redis.scard(keys.device(appId, deviceId)),
    async addAgent(rec) {
      await redis.multi().sadd(keys.agents(rec.appId), agentMember(rec.connectionId, rec.nodeId)).sadd(keys.nodeAgents(rec.nodeId), agentOfNode(rec)).exec();
    },
    async removeAgent(rec) {
      await redis.multi().srem(keys.agents(rec.appId), agentMember(rec.connectionId, rec.nodeId)).srem(keys.nodeAgents(rec.nodeId), agentOfNode(rec)).exec();
    },
    async listSessions(appId) {
      const all = await redis.hgetall(sessKey(appId));
      const sessions: SessionInfo[] = [];
      for (const [connectionId, json] of Object.entries(all)) {
        try {
          const s = JSON.parse(json) as { device_id: string; user_id?: string | null; connected_at: string; node_id: string };
          sessions.push({ connection_id: connectionId, device_id: s.device_id, user_id: s.user_id ?? null, connected_at: s.connected_at, node_id: s.node_id });
        } catch {
          // a damaged entry is skipped, not fatal
        }
      }
      return sessions.sort((a, b) => a.connected_at.localeCompare(b.connected_at));
    },
    async heartbeat(nodeId) {
      const added = await r.sbHeartbeat(aliveKey(nodeId), nodesKey, seenKey(nodeId), nodeId, options.nodeTtlMs, Math.max(options.nodeLostMs, options.nodeTtlMs));
      return { swept: added === 1 };
    },
    async sweepDeadNodes() {
      const locked = await redis.set(lockKey, '1', 'PX', options.sweepLockMs, 'NX');
      if (locked !== 'OK') return [];
      const swept: SweptConnection[] = [];
      const expired: string[] = [];
      for (const nodeId of await redis.smembers(nodesKey)) {
        if ((await redis.exists(aliveKey(nodeId))) === 1) paused.delete(nodeId);
        else expired.push(nodeId);
      }
      if (expired.length === 0) return swept;
      // Dead, or only paused? A dead process's connections were closed by its kernel; a paused one's are open.
      const open = await openConnectionNames(redis, options.onConnectionListError);
      for (const nodeId of expired) {
        if (open?.has(nodeConnectionName(prefix, nodeId)) && (await redis.exists(seenKey(nodeId))) === 1) {
          if (!paused.has(nodeId)) {
            paused.add(nodeId);
            options.onNodePaused?.(nodeId);
          }
          continue;
        }
        paused.delete(nodeId);
        for (const value of await redis.smembers(nodeKey(nodeId))) {
          const record = parseMember(value, nodeId);
          if (!record) continue;
          const [removed, count, crossed] = await r.sbPresenceSweepRemove(devKey(record), sessKey(record.appId), nodeKey(nodeId), awayKey(record), userKey(record), record.connectionId, value, signedIn(record));
          swept.push({ record, update: { changed: removed === 1, crossed: crossed === 1, activeConnections: count } });
        }
        // Departures the dead node was waiting out: settled now (their grace has passed by the time a node is dead).
        for (const value of await redis.smembers(leavingKey(nodeId))) {
          const tab = value.indexOf('\t');
          const record = parseMember(value.slice(tab + 1), nodeId);
          if (!record || tab < 0) continue;
          swept.push({ record, update: await settle(record, value.slice(0, tab)) });
        }
        await removeAgentsOf(nodeId);
        // Only forget the node if it did not come back meanwhile.
        if ((await redis.exists(aliveKey(nodeId))) === 0) {
          await redis.multi().srem(nodesKey, nodeId).del(nodeKey(nodeId), leavingKey(nodeId), seenKey(nodeId)).exec();
        }
      }
      return swept;
    },
    async removeNode(nodeId) {
      await removeAgentsOf(nodeId);
      await redis.multi().srem(nodesKey, nodeId).del(nodeKey(nodeId), leavingKey(nodeId), aliveKey(nodeId), seenKey(nodeId)).exec();
    },
  };
}
