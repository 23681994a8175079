import type { SessionInfo } from '@switchboard/protocol';
import type { ConnectionRecord, ConnectionRegistry } from './connection-registry.js';

/**
 * The embedded stand-in for the Redis registry (`npm start` without `REDIS_URL`): one process, so one node, whose
 * liveness never lapses. Same contract as the Redis registry (`registry-contract.int.test.ts`).
 */
export function createMemoryConnectionRegistry(): ConnectionRegistry {
  /** Live connection ids per device. */
  const devices = new Map<string, Set<string>>();
  const sessions = new Map<string, Map<string, SessionInfo>>();
  /** Departures in their grace: connection key → token. */
  const left = new Map<string, string>();
  /** Device key → token of the departure that left it without connections. */
  const away = new Map<string, string>();
  const alive = new Set<string>();
  let tokens = 0;
  const deviceKey = (rec: ConnectionRecord) => `${rec.appId}\t${rec.deviceId}`;
  const connectionKey = (rec: ConnectionRecord) => `${rec.appId}\t${rec.connectionId}`;

  return {
    async add(rec) {
      const key = deviceKey(rec);
      let set = devices.get(key);
      if (!set) devices.set(key, (set = new Set()));
      const added = !set.has(rec.connectionId);
      set.add(rec.connectionId);
      const resumed = added && left.delete(connectionKey(rec));
      let app = sessions.get(rec.appId);
      if (!app) sessions.set(rec.appId, (app = new Map()));
      app.set(rec.connectionId, { connection_id: rec.connectionId, device_id: rec.deviceId, user_id: rec.userId, connected_at: rec.connectedAt, node_id: rec.nodeId });
      const crossed = added && set.size === 1 && !away.delete(key);
      return { changed: added, crossed, activeConnections: set.size, resumed };
    },
    async remove(rec) {
      const key = deviceKey(rec);
      const set = devices.get(key);
      const removed = set?.delete(rec.connectionId) ?? false;
      const token = String(++tokens);
      if (!removed) return { removed, token };
      left.set(connectionKey(rec), token);
      if (set!.size === 0) {
        devices.delete(key);
        away.set(key, token);
      }
      return { removed, token };
    },
    async settle(rec, token) {
      const key = deviceKey(rec);
      const count = devices.get(key)?.size ?? 0;
      if (left.get(connectionKey(rec)) !== token) return { changed: false, crossed: false, activeConnections: count };
      left.delete(connectionKey(rec));
      sessions.get(rec.appId)?.delete(rec.connectionId);
      const offline = count === 0 && away.get(key) === token;
      if (offline) away.delete(key);
      return { changed: true, crossed: offline, activeConnections: count };
    },
    async countDeviceConnections(appId, deviceId) {
      return devices.get(`${appId}\t${deviceId}`)?.size ?? 0;
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
    },
  };
}
