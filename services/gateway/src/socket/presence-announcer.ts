import type { Logger } from '@switchboard/logger';
import type { Broadcaster } from '../fanout/broadcaster.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ClientSocket } from './types.js';
import type { ConnectionRecord, ConnectionRegistry, PresenceUpdate, SweptConnection } from '../presence/connection-registry.js';

/**
 * Turns registry updates into the admin events: `session:connect` / `session:disconnect` for every change the
 * registry accepted, `presence:change` only when a device crossed online/offline. Registry failures (Redis down)
 * are counted and logged, never thrown into a socket handler.
 */
export interface PresenceAnnouncer {
  /** Registers the connection; the promise settles when it is in the registry (or failed to be). */
  connected(record: ConnectionRecord): Promise<void>;
  /** Removes it after its registration settled, so a quick disconnect cannot leave a stale entry. */
  disconnected(record: ConnectionRecord, registered: Promise<void>, reason: string): Promise<void>;
  /** Announces connections removed by a sweep of dead nodes. */
  swept(connections: readonly SweptConnection[]): void;
}

export function createPresenceAnnouncer(
  registry: ConnectionRegistry,
  broadcaster: Broadcaster,
  metrics: GatewayMetrics,
  logger: Logger,
): PresenceAnnouncer {
  const log = logger.child({ component: 'presence' });

  const announceOnline = (record: ConnectionRecord, update: PresenceUpdate) => {
    if (!update.changed) return;
    broadcaster.sessionConnect({ app_id: record.appId, device_id: record.deviceId, connection_id: record.connectionId, connected_at: record.connectedAt });
    if (update.crossed) {
      metrics.presenceChanges.inc({ state: 'online' });
      broadcaster.presenceChange({ app_id: record.appId, device_id: record.deviceId, is_online: true, active_connections: update.activeConnections });
    }
  };
  const announceOffline = (record: ConnectionRecord, update: PresenceUpdate, reason: string) => {
    if (!update.changed) return;
    broadcaster.sessionDisconnect({ app_id: record.appId, device_id: record.deviceId, connection_id: record.connectionId, reason });
    if (update.crossed) {
      metrics.presenceChanges.inc({ state: 'offline' });
      broadcaster.presenceChange({ app_id: record.appId, device_id: record.deviceId, is_online: false, active_connections: update.activeConnections });
    }
  };
  const failed = (action: string) => (error: unknown) => {
    metrics.redisErrors.inc({ client: 'presence' });
    log.warn({ err: error, action }, 'presence registry update failed');
  };

  return {
    connected: (record) => registry.add(record).then((update) => announceOnline(record, update), failed('add')),
    disconnected: async (record, registered, reason) => {
      await registered;
      await registry.remove(record).then((update) => announceOffline(record, update, reason), failed('remove'));
    },
    swept(connections) {
      for (const { record, update } of connections) announceOffline(record, update, 'node lost');
    },
  };
}

/** The registry's record of a client socket on this node. */
export function connectionRecordOf(socket: ClientSocket, nodeId: string): ConnectionRecord {
  return {
    connectionId: socket.id,
    appId: socket.data.appId,
    deviceId: socket.data.deviceId ?? '',
    nodeId,
    connectedAt: socket.data.connectedAt,
  };
}
