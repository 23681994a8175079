import type { AnySocket } from './types.js';

/** Socket.IO's uWS topic of a room: `${namespace}\x1f${room}` (socket.io 4.8, `lib/uws.ts`). */
const SEPARATOR = '\x1f';

interface UwsWebSocket {
  subscribe(topic: string): boolean;
}

/**
 * Subscribes a recovered socket's uWS connection to every room it was given back.
 *
 * Socket.IO 4.8 on `attachApp` joins the restored rooms in the socket's constructor, before the socket is registered
 * with the namespace, so its uWS hook finds no socket and subscribes nothing: the room broadcasts (one native publish
 * per room) then never reach it, though the adapter counts it in the rooms. Joining again does not help (the hook
 * subscribes the namespace topic only for a socket it sees for the first time). This mirrors the hook for the rooms
 * the socket is in now, on its WebSocket, or after the upgrade when it came back over polling. Call it from the
 * `connection` handler. Private paths (`conn.transport.socket`): pinned socket.io and covered by
 * `recovery.int.test.ts`.
 */
export function resubscribeRecoveredRooms(socket: AnySocket): void {
  if (!socket.recovered) return;
  const subscribeAll = () => {
    const transport = socket.conn.transport as unknown as { name: string; socket?: UwsWebSocket };
    if (transport.name !== 'websocket' || !transport.socket || socket.conn.readyState !== 'open') return;
    const nsp = socket.nsp.name;
    transport.socket.subscribe(nsp);
    for (const room of socket.rooms) transport.socket.subscribe(`${nsp}${SEPARATOR}${room}`);
  };
  if (socket.conn.transport.name === 'websocket') subscribeAll();
  else socket.conn.once('upgrade', subscribeAll);
}
