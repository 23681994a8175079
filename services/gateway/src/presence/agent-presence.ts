import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import type { AdminSocket } from '../socket/types.js';
import type { AgentRecord, ConnectionRegistry } from './connection-registry.js';

/**
 * Records which agent (`/admin`) sockets are open, for the services that ask whether any agent of an app is online
 * (the webhooks service's `recipient_online`). Agents have no presence events and no grace: an agent counts from
 * its connection to its disconnection, or until its node is swept. Registry failures (Redis down) are counted and
 * logged, never thrown into a socket handler; a node that was swept registers its agents again (`registerAll`).
 */
export interface AgentPresence {
  connected(socket: AdminSocket): void;
  disconnected(socket: AdminSocket): void;
  /** Registers every given socket again (this node had been swept). */
  registerAll(sockets: Iterable<AdminSocket>): Promise<void>;
  /** Resolves once every registration and removal in flight has settled (drain, before the node is removed). */
  settled(): Promise<void>;
}

export function createAgentPresence(registry: ConnectionRegistry, metrics: GatewayMetrics, logger: Logger, nodeId: string): AgentPresence {
  const log = logger.child({ component: 'agent-presence' });
  // A registration Redis has not answered yet: the disconnect waits for it, so no stale entry is left.
  const registering = new WeakMap<AdminSocket, Promise<void>>();
  const pending = new Set<Promise<void>>();
  const recordOf = (socket: AdminSocket): AgentRecord => ({ connectionId: socket.id, appId: socket.data.principal.app_id, nodeId });
  const failed = (action: string) => (error: unknown) => {
    metrics.redisErrors.inc({ client: 'presence' });
    log.warn({ err: error, action }, 'agent presence update failed');
  };
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  };
  const register = (socket: AdminSocket) => {
    const work = track(registry.addAgent(recordOf(socket)).catch(failed('add')));
    registering.set(socket, work);
    void work.finally(() => {
      if (registering.get(socket) === work) registering.delete(socket);
    });
    return work;
  };

  return {
    connected: (socket) => void register(socket),
    disconnected(socket) {
      const record = recordOf(socket);
      void track((registering.get(socket) ?? Promise.resolve()).then(() => registry.removeAgent(record)).catch(failed('remove')));
    },
    async registerAll(sockets) {
      await Promise.all([...sockets].map(register));
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
