import type { Logger } from '@switchboard/logger';
import { userIdOf } from '@switchboard/protocol';
import type { Broadcaster } from '../socket/broadcaster.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ClientSocket } from '../socket/types.js';
import type { AddUpdate, ConnectionRecord, ConnectionRegistry, PresenceUpdate, SweptConnection } from './connection-registry.js';

/**
 * Turns registry updates into the admin events: `session:connect` / `session:disconnect` for every change the
 * registry accepted, `presence:change` only when a device crossed online/offline. A closed connection is announced
 * only after the presence grace (`PRESENCE_GRACE_MS`) without its return: a connection recovered within it (same id,
 * any node) announces nothing at all, and a device with a new connection within it never goes offline. Registry
 * failures (Redis down) are counted and logged, never thrown into a socket handler.
 */
export interface PresenceAnnouncer {
  /** Registers the connection; the promise settles when it is in the registry (or failed to be). */
  connected(record: ConnectionRecord): Promise<void>;
  /**
   * Removes it after its registration settled (so a quick disconnect cannot leave a stale entry) and settles its
   * departure after the grace.
   */
  disconnected(record: ConnectionRecord, registered: Promise<void>, reason: string): Promise<void>;
  /** Announces connections removed by a sweep of dead nodes. */
  swept(connections: readonly SweptConnection[]): void;
  /**
   * Resolves once every departure this node is waiting out has been settled (drain: this node will not be there to
   * settle them later). Each is settled at the end of its grace, as usual, so drained devices that reconnect to
   * another node within it still announce nothing; those still waiting at `deadline` (epoch ms) are settled then.
   */
  settled(deadline: number): Promise<void>;
}

export interface PresenceAnnouncerOptions {
  /** How long a closed connection may come back before its departure is announced. */
  readonly graceMs: number;
}

export function createPresenceAnnouncer(
  registry: ConnectionRegistry,
  broadcaster: Broadcaster,
  metrics: GatewayMetrics,
  logger: Logger,
  options: PresenceAnnouncerOptions,
): PresenceAnnouncer {
  const log = logger.child({ component: 'presence' });
  /** Disconnections in progress and departures waiting out their grace on this node. */
  const pending = new Set<Promise<void>>();
  /** Ends the grace of every departure waiting now (drain deadline). */
  const wakers = new Set<() => void>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const announceOnline = (record: ConnectionRecord, update: AddUpdate) => {
    if (!update.changed || update.resumed) return;
    broadcaster.sessionConnect({ app_id: record.appId, device_id: record.deviceId, user_id: record.userId, connection_id: record.connectionId, connected_at: record.connectedAt });
    if (update.crossed) {
      metrics.presenceChanges.inc({ state: 'online' });
      broadcaster.presenceChange({ app_id: record.appId, device_id: record.deviceId, user_id: record.userId, is_online: true, active_connections: update.activeConnections });
    }
  };
  const announceOffline = (record: ConnectionRecord, update: PresenceUpdate, reason: string) => {
    if (!update.changed) return;
    broadcaster.sessionDisconnect({ app_id: record.appId, device_id: record.deviceId, user_id: record.userId, connection_id: record.connectionId, reason });
    if (update.crossed) {
      metrics.presenceChanges.inc({ state: 'offline' });
      broadcaster.presenceChange({ app_id: record.appId, device_id: record.deviceId, user_id: record.userId, is_online: false, active_connections: update.activeConnections });
    }
  };
  const failed = (action: string) => (error: unknown) => {
    metrics.redisErrors.inc({ client: 'presence' });
    log.warn({ err: error, action }, 'presence registry update failed');
  };

  const graceOver = () =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, options.graceMs);
      wakers.add(wake);
    });
  const settleLater = (record: ConnectionRecord, token: string, reason: string) =>
    graceOver().then(() => registry.settle(record, token).then((update) => announceOffline(record, update, reason), failed('settle')));

  return {
    connected: (record) => registry.add(record).then((update) => announceOnline(record, update), failed('add')),
    disconnected(record, registered, reason) {
      const work = registered
        .then(() => registry.remove(record))
        .then((departure) => (departure.removed ? settleLater(record, departure.token, reason) : undefined), failed('remove'));
      track(work);
      return work;
    },
    swept(connections) {
      for (const { record, update } of connections) announceOffline(record, update, 'node lost');
    },
    async settled(deadline) {
      const cut = setTimeout(() => {
        for (const wake of [...wakers]) wake();
      }, Math.max(0, deadline - Date.now()));
      try {
        while (pending.size > 0) {
          await Promise.all([...pending]);
          // Departures that begin after the deadline (a late disconnect) settle at once.
          if (Date.now() >= deadline) for (const wake of [...wakers]) wake();
        }
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/** The registry's record of a client socket on this node. */
export function connectionRecordOf(socket: ClientSocket, nodeId: string): ConnectionRecord {
  return {
    connectionId: socket.id,
    appId: socket.data.principal.app_id,
    deviceId: socket.data.principal.device_id,
    userId: userIdOf(socket.data.principal),
    nodeId,
    connectedAt: socket.data.connectedAt,
  };
}
