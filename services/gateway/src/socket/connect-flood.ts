/** The part of an engine.io socket this needs. */
interface EngineConnection {
  on(event: 'packet' | 'packetCreate', listener: (this: EngineConnection, packet: { type: string; data?: unknown }) => void): unknown;
  close(): void;
}

/** Socket.IO packet types, as the first character of an encoded packet (socket.io-parser). */
const CONNECT = '0';
const DISCONNECT = '1';
const CONNECT_ERROR = '4';

/**
 * Two bits per namespace in one small integer: `pending` (a `CONNECT` not answered yet) and `accepted`. The
 * namespaces a client may join have bits of their own; every other name shares one pair (each is refused at once,
 * synchronously, by Socket.IO, so two of them are never pending together).
 */
const SLOTS: Readonly<Record<string, number>> = { '/': 0, '/client': 1, '/admin': 2 };
const OTHER_SLOT = 3;
const PENDING = 1;
const ACCEPTED = 2;
const bitsOf = (namespace: string, state: typeof PENDING | typeof ACCEPTED) => state << (2 * (SLOTS[namespace] ?? OTHER_SLOT));

/** The packet's type and namespace (socket.io-parser's encoding: `<type>[/<namespace>,]<payload>`), for string packets. */
function parse(packet: { type: string; data?: unknown }): { type: string; namespace: string } | undefined {
  if (packet.type !== 'message' || typeof packet.data !== 'string') return undefined;
  const data = packet.data;
  const type = data.charAt(0);
  if (type !== CONNECT && type !== DISCONNECT && type !== CONNECT_ERROR) return undefined;
  if (data.charAt(1) !== '/') return { type, namespace: '/' };
  const comma = data.indexOf(',', 1);
  return { type, namespace: comma === -1 ? data.slice(1) : data.slice(1, comma) };
}

/**
 * At most ONE pending and ONE accepted namespace connection per namespace per Engine.IO connection: a second
 * `CONNECT` for a namespace that is waiting for its handshake or already connected closes the whole connection.
 *
 * Socket.IO accepts `CONNECT` packets for a namespace on one Engine.IO connection until one succeeds, and each runs
 * the handshake middleware (an auth call to the messages service): one WebSocket sending thousands with random app
 * ids starved every other handshake (issue 14). A refused handshake (`CONNECT_ERROR` sent back) frees the namespace,
 * so a client may retry on the same connection; so does leaving it (`DISCONNECT` either way). The state is one
 * small integer per connection in a WeakMap, present only while a namespace is pending or joined; the listeners are
 * shared (docs/performance.md).
 *
 * The packet that trips the guard still reaches Socket.IO after the close (engine.io emits `packet` before
 * `message`), which starts its handshake: the auth gate refuses handshakes of closed connections without a call
 * (`auth-gate.ts`), so the messages service is asked at most once per namespace per connection.
 */
export function createConnectFloodGuard(onFlood: () => void): (conn: EngineConnection) => void {
  const states = new WeakMap<EngineConnection, number>();
  const update = (conn: EngineConnection, state: number) => {
    if (state === 0) states.delete(conn);
    else states.set(conn, state);
  };
  function onPacket(this: EngineConnection, packet: { type: string; data?: unknown }) {
    const parsed = parse(packet);
    if (!parsed) return;
    const state = states.get(this) ?? 0;
    if (parsed.type === DISCONNECT) return update(this, state & ~bitsOf(parsed.namespace, ACCEPTED));
    if (parsed.type !== CONNECT) return;
    if (state & (bitsOf(parsed.namespace, PENDING) | bitsOf(parsed.namespace, ACCEPTED))) {
      states.delete(this);
      onFlood();
      this.close();
      return;
    }
    update(this, state | bitsOf(parsed.namespace, PENDING));
  }
  function onPacketCreate(this: EngineConnection, packet: { type: string; data?: unknown }) {
    const parsed = parse(packet);
    if (!parsed) return;
    const state = states.get(this);
    if (state === undefined) return;
    const pending = bitsOf(parsed.namespace, PENDING);
    const accepted = bitsOf(parsed.namespace, ACCEPTED);
    if (parsed.type === CONNECT) update(this, (state & ~pending) | (state & pending ? accepted : 0));
    else if (parsed.type === CONNECT_ERROR) update(this, state & ~pending);
    else update(this, state & ~accepted);
  }
  return (conn) => {
    conn.on('packet', onPacket);
    conn.on('packetCreate', onPacketCreate);
  };
}
