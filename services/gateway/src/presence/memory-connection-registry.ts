import type { SessionInfo } from '@switchboard/protocol';
import { agentMember, createMemoryPresence, nodeAgentMember, parseNodeAgentMember, type MemoryPresence } from '@switchboard/presence';
import type { ConnectionRecord, ConnectionRegistry } from './connection-registry.js';

/**
 * The embedded stand-in for the Redis registry (`npm start` without `REDIS_URL`): one process, so one node, whose
 * liveness never lapses. Same contract as the Redis registry (`registry-contract.int.test.ts`). Its live sets are
 * `presence`'s, which the in-process readers (the webhooks service's) read.
 */
export function createMemoryConnectionRegistry(presence: MemoryPresence = createMemoryPresence()): ConnectionRegistry {
  const { keys, live } = presence;
  const sessions = new Map<string, Map<string, SessionInfo>>();
  /** Departures in their grace: connection key → token. */
  const left = new Map<string, string>();
  /** Device key → token of the departure that left it without connections. */
  const away = new Map<string, string>();
  const alive = new Set<string>();
  let tokens = 0;
  const deviceKey = (rec: ConnectionRecord) => keys.device(rec.appId, rec.deviceId);
  const connectionKey = (rec: ConnectionRecord) => `${rec.appId}\t${rec.connectionId}`;

  return {
    async add(rec) {
      const key = deviceKey(rec);
      const added = live.add(key, rec.connectionId);
      if (rec.userId) live.add(keys.user(rec.appId, rec.userId), rec.connectionId);
      const resumed = added && left.delete(connectionKey(rec));
      let app = sessions.get(rec.appId);
      if (!app) sessions.set(rec.appId, (app = new Map()));
      app.set(rec.connectionId, { connection_id: rec.connectionId, device_id: rec.deviceId, user_id: rec.userId, connected_at: rec.connectedAt, node_id: rec.nodeId });
      const count = live.size(key);
      const crossed = added && count === 1 && !away.delete(key);
      return { changed: added, crossed, activeConnections: count, resumed };
    },
    async remove(rec) {
      const key = deviceKey(rec);
      const removed = live.remove(key, rec.connectionId);
      if (rec.userId) live.remove(keys.user(rec.appId, rec.userId), rec.connectionId);
      const token = String(++tokens);
      if (!removed) return { removed, token };
      left.set(connectionKey(rec), token);
      if (live.size(key) === 0) away.set(key, token);
      return { removed, token };
    },
    async settle(rec, token) {
      const key = deviceKey(rec);
      const count = live.size(key);
      if (left.get(connectionKey(rec)) !== token) return { changed: false, crossed: false, activeConnections: count };
      left.delete(connectionKey(rec));
      sessions.get(rec.appId)?.delete(rec.connectionId);
      const offline = count === 0 && away.get(key) === token;
      if (offline) away.delete(key);
      return { changed: true, crossed: offline, activeConnections: count };
    },
    async countDeviceConnections(appId, deviceId) {
      return live.size(keys.device(appId, deviceId));
    },
    async addAgent(rec) {
      live.add(keys.agents(rec.appId), agentMember(rec.connectionId, rec.nodeId));
      live.add(keys.nodeAgents(rec.nodeId), nodeAgentMember(rec.appId, rec.connectionId));
    },
    async removeAgent(rec) {
      live.remove(keys.agents(rec.appId), agentMember(rec.connectionId, rec.nodeId));
      live.remove(keys.nodeAgents(rec.nodeId), nodeAgentMember(rec.appId, rec.connectionId));
    },
    async listSessions(appId) {
      return [...(sessions.get(appId)?.values() ?? [])].sort((a, b) => a.connected_at.localeCompare(b.connected_at));
    },
    async heartbeat(nodeId) {
      const swept = !alive.has(nodeId);
      alive.add(nodeId);
      return { swept };
    },
    // One process: no other node can die unnoticed.
    sweepDeadNodes: async () => [],
    async removeNode(nodeId) {
      alive.delete(nodeId);
      for (const value of live.members(keys.nodeAgents(nodeId))) {
        const agent = parseNodeAgentMember(value);
        if (agent) live.remove(keys.agents(agent.appId), agentMember(agent.connectionId, nodeId));
        live.remove(keys.nodeAgents(nodeId), value);
      }
    },
  };
}
