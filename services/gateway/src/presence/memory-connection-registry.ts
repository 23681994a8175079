import type { SessionInfo } from '@switchboard/protocol';
import type { ConnectionRecord, ConnectionRegistry, PresenceUpdate } from './connection-registry.js';

/**
 * The embedded stand-in for the Redis registry (`npm start` without `REDIS_URL`): one process, so one node, whose
 * liveness never lapses. Same contract as the Redis registry (`registry-contract.int.test.ts`).
 */
export function createMemoryConnectionRegistry(): ConnectionRegistry {
  const devices = new Map<string, Set<string>>();
  const sessions = new Map<string, Map<string, SessionInfo>>();
  const nodes = new Map<string, Set<ConnectionRecord>>();
  const alive = new Set<string>();
  const deviceKey = (rec: ConnectionRecord) => `${rec.appId}\t${rec.deviceId}`;

  const remove = (rec: ConnectionRecord): PresenceUpdate => {
    const key = deviceKey(rec);
    const set = devices.get(key);
    const removed = set?.delete(rec.connectionId) ?? false;
    if (set && set.size === 0) devices.delete(key);
    sessions.get(rec.appId)?.delete(rec.connectionId);
    for (const entry of nodes.get(rec.nodeId) ?? []) if (entry.connectionId === rec.connectionId) nodes.get(rec.nodeId)!.delete(entry);
    const count = set?.size ?? 0;
    return { changed: removed, crossed: removed && count === 0, activeConnections: count };
  };

  return {
    async add(rec) {
      const key = deviceKey(rec);
      let set = devices.get(key);
      if (!set) devices.set(key, (set = new Set()));
      const added = !set.has(rec.connectionId);
      set.add(rec.connectionId);
      let app = sessions.get(rec.appId);
      if (!app) sessions.set(rec.appId, (app = new Map()));
      app.set(rec.connectionId, { connection_id: rec.connectionId, device_id: rec.deviceId, connected_at: rec.connectedAt, node_id: rec.nodeId });
      let node = nodes.get(rec.nodeId);
      if (!node) nodes.set(rec.nodeId, (node = new Set()));
      if (added) node.add(rec);
      return { changed: added, crossed: added && set.size === 1, activeConnections: set.size };
    },
    remove: async (rec) => remove(rec),
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
      nodes.delete(nodeId);
    },
  };
}
