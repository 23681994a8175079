import { performance } from 'node:perf_hooks';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { NatsNames, RoomNamespace } from '@switchboard/protocol';
import { GatewayError } from '../socket/errors.js';
import type { AnySocket } from '../socket/types.js';
import { namespaceOf, type CreateRooms, type InterestLease, type RoomsContext } from './room-interest.js';

/** How long a join waits for its room's subscription to reach the server before it is refused `UNAVAILABLE`. */
export const INTEREST_TIMEOUT_MS = 5000;

export interface NatsRoomsOptions {
  /** The gateway's NATS connection, the same one the shared consumers pull and ack on (publish-before-ack order). */
  readonly connection: Promise<NatsConnection>;
  /** The connection once there is one (publishes before it are dropped and counted). */
  readonly current: () => NatsConnection | undefined;
  /** This environment's names (`roomSubject`). */
  readonly names: NatsNames;
  /** `INTEREST_TIMEOUT_MS`. */
  readonly timeoutMs: number;
}

/** An event on the wire: `[event, payload]` as JSON. */
type Packet = [event: string, payload: unknown];

/** A lease not yet joined: the room's events it must hand to its socket after the join. */
interface Waiting {
  readonly kept: Packet[];
}

interface Room {
  readonly namespace: RoomNamespace;
  readonly name: string;
  /** Settles once the server has the subscription (or failed to get it). */
  readonly ready: Promise<void>;
  subscription: Subscription | undefined;
  /** Leases acquired and not yet joined or released. */
  readonly waiting: Set<Waiting>;
  /** Given back: no new lease may use it. */
  released: boolean;
  /** When the server confirmed the subscription (`performance.now()`); never again once the connection dropped. */
  confirmedAt: number;
}

/**
 * Interest-based fan-out on core NATS (docs/scaling.md, "Recommendation"): a room is the subject
 * `<prefix>.room.<namespace>.<kind>.<id>`; a node subscribes to a room's subject while it holds a socket in it (or
 * one is joining) and emits what arrives to its local sockets with `nsp.local.to(room)` (one native uWS publish).
 * Core NATS is at most once: events published while this node's connection is down are lost to it, so a
 * reconnection calls `onInterestLost` (nats.js subscribes again by itself).
 */
export function createNatsRooms(options: NatsRoomsOptions): CreateRooms {
  return (context: RoomsContext) => {
    const { metrics, logger } = context;
    const log = logger.child({ component: 'rooms' });
    const rooms = new Map<string, Room>();
    const keyOf = (namespace: RoomNamespace, name: string) => `${namespace} ${name}`;
    let closed = false;

    const deliver = (room: Room) => (error: Error | null, msg: Msg) => {
      if (error) return;
      let packet: Packet;
      try {
        packet = msg.json<Packet>();
      } catch {
        metrics.roomEvents.inc({ namespace: room.namespace, result: 'malformed' });
        return;
      }
      const [event, payload] = packet;
      const nsp = namespaceOf(context, room.namespace);
      metrics.roomEvents.inc({ namespace: room.namespace, result: 'received' });
      metrics.roomDeliveries.inc({ namespace: room.namespace }, nsp.adapter.rooms.get(room.name)?.size ?? 0);
      (nsp.local.to(room.name).emit as (event: string, payload: unknown) => boolean)(event, payload);
      for (const waiting of room.waiting) waiting.kept.push(packet);
    };

    /** Unsubscribes a room no socket holds and no join waits for. */
    const releaseIfUnused = (namespace: RoomNamespace, name: string) => {
      const key = keyOf(namespace, name);
      const room = rooms.get(key);
      if (!room || room.waiting.size > 0 || namespaceOf(context, namespace).adapter.rooms.has(name)) return;
      room.released = true;
      rooms.delete(key);
      room.subscription?.unsubscribe();
    };

    const subscribe = (namespace: RoomNamespace, name: string): Room => {
      let timer: NodeJS.Timeout | undefined;
      const room: Room = {
        namespace,
        name,
        subscription: undefined,
        waiting: new Set(),
        released: false,
        confirmedAt: Number.POSITIVE_INFINITY,
        ready: Promise.race([
          options.connection.then(async (nc) => {
            if (room.released) return;
            room.subscription = nc.subscribe(options.names.roomSubject(namespace, name), { callback: deliver(room) });
            // The server routes a publish by the interest it has when the publish arrives: once it answered this
            // PING, every event published after the caller's next read (last_message_id) reaches this node.
            await nc.flush();
            room.confirmedAt = performance.now();
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer from NATS within ${options.timeoutMs} ms`)), options.timeoutMs);
          }),
        ]).finally(() => clearTimeout(timer)),
      };
      return room;
    };

    const onDeleteRoom = (namespace: RoomNamespace) => (name: string) => releaseIfUnused(namespace, name);
    context.client.adapter.on('delete-room', onDeleteRoom('client'));
    context.admin.adapter.on('delete-room', onDeleteRoom('admin'));

    // Core NATS loses what is published while the connection is down: after a reconnection the node's sockets catch up.
    void options.connection.then(async (nc) => {
      let lost = false;
      for await (const status of nc.status()) {
        if (closed) return;
        if (status.type === 'disconnect') {
          lost = true;
          // What is published from now on may not reach this node: no room's interest is unbroken any more.
          for (const room of rooms.values()) room.confirmedAt = Number.POSITIVE_INFINITY;
          metrics.natsConnectionEvents.inc({ event: 'disconnect' });
        } else if (status.type === 'reconnect') {
          metrics.natsConnectionEvents.inc({ event: 'reconnect' });
          if (lost && rooms.size > 0) {
            log.warn({ rooms: rooms.size }, 'NATS reconnected: room events published meanwhile were lost to this node; its sockets catch up');
            context.onInterestLost();
          }
          lost = false;
        } else if (status.type === 'error' && /slow consumer/i.test(status.error.message)) {
          // The server cut this connection for reading too slowly (`max_pending`): a reconnection follows.
          metrics.natsConnectionEvents.inc({ event: 'slow_consumer' });
        }
      }
    }).catch((error: unknown) => log.debug({ err: error }, 'NATS status stream ended'));

    return {
      bus: {
        publish(namespace, room, event, payload) {
          const nc = options.current();
          if (!nc || nc.isClosed()) {
            metrics.roomPublishFailures.inc();
            log.debug({ event }, 'no NATS connection: a room event was dropped');
            return;
          }
          try {
            nc.publish(options.names.roomSubject(namespace, room), JSON.stringify([event, payload]));
          } catch (error) {
            metrics.roomPublishFailures.inc();
            log.debug({ err: error, event }, 'a room event could not be published');
          }
        },
      },
      interest: {
        async acquire(namespace, name) {
          const key = keyOf(namespace, name);
          let room = rooms.get(key);
          if (!room) {
            room = subscribe(namespace, name);
            rooms.set(key, room);
          }
          const waiting: Waiting = { kept: [] };
          room.waiting.add(waiting);
          const current = room;
          try {
            await current.ready;
          } catch (error) {
            current.waiting.delete(waiting);
            // A failed subscription is not kept: the next join tries again.
            if (rooms.get(key) === current) {
              current.released = true;
              rooms.delete(key);
              current.subscription?.unsubscribe();
            }
            metrics.interestFailures.inc({ namespace });
            throw new GatewayError('UNAVAILABLE', 'the room cannot be joined right now', { cause: error });
          }
          let settled = false;
          const lease: InterestLease = {
            since: current.confirmedAt,
            join(socket: AnySocket) {
              if (settled) return;
              settled = true;
              current.waiting.delete(waiting);
              void socket.join(name);
              for (const [event, payload] of waiting.kept) (socket.emit as (event: string, payload: unknown) => boolean)(event, payload);
              waiting.kept.length = 0;
            },
            release() {
              if (settled) return;
              settled = true;
              current.waiting.delete(waiting);
              waiting.kept.length = 0;
              releaseIfUnused(namespace, name);
            },
          };
          return lease;
        },
      },
      subscriptions: () => rooms.size,
      close() {
        closed = true;
      },
    };
  };
}
