import type { EventPayload, RoomNamespace, ServerToAdminEvents, ServerToClientEvents } from '@switchboard/protocol';

/** What each namespace's rooms hear (`libs/protocol`'s event maps). */
export interface RoomEvents {
  readonly client: ServerToClientEvents;
  readonly admin: ServerToAdminEvents;
}

/** An event name of a namespace's rooms. */
export type RoomEvent<N extends RoomNamespace> = keyof RoomEvents[N] & string;

/**
 * Where the broadcaster sends what a room must hear, on every node that holds a socket in it (interest-based
 * fan-out, docs/scaling.md): core NATS subjects per room between gateways, or this process's sockets alone in
 * the embedded mode. Fire and forget: a node that takes an event from JetStream publishes it here, then acks it on
 * the same connection (so the publish reached the server first).
 */
export interface RoomBus {
  publish<N extends RoomNamespace, E extends RoomEvent<N>>(namespace: N, room: string, event: E, payload: EventPayload<RoomEvents[N][E]>): void;
}
