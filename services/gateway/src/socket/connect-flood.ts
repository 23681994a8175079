/** The part of an engine.io socket this needs. */
interface EngineConnection {
  on(event: 'packet' | 'packetCreate', listener: (this: EngineConnection, packet: { type: string; data?: unknown }) => void): unknown;
  close(): void;
}

/** Socket.IO packet types, as the first character of an encoded packet (socket.io-parser). */
const CONNECT = '0';
const CONNECT_ERROR = '4';
const isNamespacePacket = (packet: { type: string; data?: unknown }, types: string) =>
  packet.type === 'message' && typeof packet.data === 'string' && types.includes(packet.data.charAt(0));

/**
 * Bounds the namespace `CONNECT` packets an Engine.IO connection may have waiting for an answer.
 *
 * Socket.IO accepts `CONNECT` packets for a namespace on one Engine.IO connection until one succeeds, and each runs
 * the handshake middleware (an auth call to the messages service): one connection sending thousands at once starved
 * the other handshakes. Accepted ones are bounded already (a second `CONNECT` to a connected namespace closes the
 * connection, and there are two namespaces). A connection with more than `max` unanswered ones (answered: a
 * `CONNECT` or `CONNECT_ERROR` sent back) is closed. The listeners are shared and the count exists only while
 * something is pending: nothing per connection otherwise (docs/performance.md).
 */
export function createConnectFloodGuard(max: number, onFlood: () => void): (conn: EngineConnection) => void {
  const pending = new WeakMap<EngineConnection, number>();
  function onPacket(this: EngineConnection, packet: { type: string; data?: unknown }) {
    if (!isNamespacePacket(packet, CONNECT)) return;
    const count = (pending.get(this) ?? 0) + 1;
    pending.set(this, count);
    if (count > max) {
      pending.delete(this);
      onFlood();
      this.close();
    }
  }
  function onPacketCreate(this: EngineConnection, packet: { type: string; data?: unknown }) {
    if (!isNamespacePacket(packet, CONNECT + CONNECT_ERROR)) return;
    const count = (pending.get(this) ?? 0) - 1;
    if (count > 0) pending.set(this, count);
    else pending.delete(this);
  }
  return (conn) => {
    conn.on('packet', onPacket);
    conn.on('packetCreate', onPacketCreate);
  };
}
