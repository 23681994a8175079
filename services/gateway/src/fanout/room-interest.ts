import type { Logger } from '@switchboard/logger';
import type { RoomNamespace } from '@switchboard/protocol';
import type { GatewayMetrics } from '../metrics.js';
import type { AdminNamespace, AnySocket, ClientNamespace } from '../socket/types.js';
import type { RoomBus } from './room-bus.js';

/**
 * A room's interest, held for one socket about to join it. Between `acquire` and `join` the node already receives
 * the room's events; those the socket would miss (it is not in the room yet) are kept and emitted to it right after
 * it joins, so a join answered with `last_message_id` misses nothing after it.
 */
export interface InterestLease {
  /**
   * Since when (`performance.now()`) this node has held the room's interest without a break: whatever is published
   * for the room after it reaches the node. A `last_message_id` read after it needs no new read.
   */
  readonly since: number;
  /** Puts the socket in the room and emits to it what reached the room since the interest was acquired. */
  join(socket: AnySocket): void;
  /** The join was refused, or the socket left first: the interest is given back (unsubscribed when no one holds it). */
  release(): void;
}

/**
 * Whether this node receives a room's events. A room's first local socket subscribes and waits until the server has
 * the subscription (`flush`), before the messages service is asked for `last_message_id`; concurrent acquires of a
 * room share that wait. The interest goes when the room's last local socket leaves (the adapter's `delete-room`).
 */
export interface RoomInterest {
  /** Rejects (`UNAVAILABLE` for the socket) when the interest cannot be registered in time. */
  acquire(namespace: RoomNamespace, room: string): Promise<InterestLease>;
}

/** The interest-based fan-out of a node: the bus the broadcaster publishes on, and the joins' interest. */
export interface Rooms {
  readonly bus: RoomBus;
  readonly interest: RoomInterest;
  /** Rooms this node holds an interest in now (for the metrics). */
  subscriptions(): number;
  /** Stops following the connection's status. The subscriptions end with the connection. */
  close(): void;
}

export interface RoomsContext {
  readonly client: ClientNamespace;
  readonly admin: AdminNamespace;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /**
   * The bus came back after an outage: the events of this node's rooms published meanwhile did not reach it, so its
   * sockets must catch up (the composition root's answer: they are asked to reconnect, and the SDK rejoins and
   * fills from `last_message_id`).
   */
  readonly onInterestLost: () => void;
}

/** Chosen where the node is wired (`deps.ts`): NATS between gateways, or local for the embedded mode. */
export type CreateRooms = (context: RoomsContext) => Rooms;

/** The Socket.IO namespace of a room namespace. */
export const namespaceOf = (context: Pick<RoomsContext, 'client' | 'admin'>, namespace: RoomNamespace) =>
  namespace === 'client' ? context.client : context.admin;

/** The room namespace of a socket. */
export const roomNamespaceOf = (socket: AnySocket): RoomNamespace => (socket.nsp.name === '/admin' ? 'admin' : 'client');

/**
 * Joins a room that needs no access check (an agent's app room): interest first, then the join, unless the socket
 * left meanwhile. True when the socket joined.
 */
export async function joinWithInterest(interest: RoomInterest, socket: AnySocket, room: string): Promise<boolean> {
  const lease = await interest.acquire(roomNamespaceOf(socket), room);
  if (!socket.connected) {
    lease.release();
    return false;
  }
  lease.join(socket);
  return true;
}
