import type { CreateRooms } from './room-interest.js';
import { namespaceOf } from './room-interest.js';

/**
 * The rooms of one process (`npm start` without NATS): a publish is an emit to this process's sockets, and a join
 * needs no interest (every event of the platform reaches this process).
 */
export const createLocalRooms: CreateRooms = (context) => ({
  bus: {
    publish(namespace, room, event, payload) {
      (namespaceOf(context, namespace).to(room).emit as (event: string, payload: unknown) => boolean)(event, payload);
    },
  },
  interest: {
    // Every event of the platform reaches this process: it has "held" every room's interest from the start.
    acquire: async (_namespace, room) => ({ since: 0, join: (socket) => void socket.join(room), release: () => undefined }),
  },
  subscriptions: () => 0,
  close: () => undefined,
});
