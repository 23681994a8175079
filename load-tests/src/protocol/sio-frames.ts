/**
 * Engine.IO v4 / Socket.IO v5 text frames, encoded and decoded by hand for clients that have no Socket.IO library
 * (k6) or that must stay cheap at tens of thousands of connections (the load runner's client processes).
 *
 * Pure functions and plain objects only, and no imports: k6 scripts load this file as TypeScript, and the Node
 * runner and its unit test load the same file compiled. Protocol references: engine.io-protocol v4 and
 * socket.io-protocol v5 (`<engine type><socket type>[<nsp>,][<ack id>][<json>]`). Binary attachments are not
 * supported (the Switchboard protocol sends none).
 */

/** Engine.IO packet types (first character of a frame). */
export const EIO = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' } as const;
/** Socket.IO packet types (second character of an Engine.IO `message`). */
export const SIO = { connect: '0', disconnect: '1', event: '2', ack: '3', connectError: '4', binaryEvent: '5', binaryAck: '6' } as const;

/** The WebSocket URL of an Engine.IO v4 endpoint: `http://host:3000` + `/v1/socket.io` → `ws://host:3000/v1/socket.io/?EIO=4&transport=websocket`. */
export function engineIoUrl(baseUrl: string, path = '/v1/socket.io'): string {
  const base = baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '');
  const cleanPath = `/${path.replace(/^\/+|\/+$/g, '')}/`;
  return `${base}${cleanPath}?EIO=4&transport=websocket`;
}

const nspPrefix = (nsp: string) => (nsp === '/' || nsp === '' ? '' : `${nsp},`);

/** `40/client,{"app_id":…}`: joins a namespace, with the handshake's `auth`. */
export function encodeConnect(nsp: string, auth?: object): string {
  return `${EIO.message}${SIO.connect}${nspPrefix(nsp)}${auth === undefined ? '' : JSON.stringify(auth)}`;
}

/** `41/client,`: leaves a namespace. */
export function encodeDisconnect(nsp: string): string {
  return `${EIO.message}${SIO.disconnect}${nspPrefix(nsp)}`;
}

/** `42/client,["name",…args]`, or with an ack id `42/client,7["name",…args]`. */
export function encodeEvent(nsp: string, name: string, args: readonly unknown[] = [], ackId?: number): string {
  return `${EIO.message}${SIO.event}${nspPrefix(nsp)}${ackId === undefined ? '' : ackId}${JSON.stringify([name, ...args])}`;
}

/** `43/client,7[…args]`: answers the server's event that carried ack id 7. */
export function encodeAck(nsp: string, ackId: number, args: readonly unknown[]): string {
  return `${EIO.message}${SIO.ack}${nspPrefix(nsp)}${ackId}${JSON.stringify(args)}`;
}

/** The Engine.IO heartbeat answer: the server pings (`2`), the client answers `3`. */
export const PONG_FRAME = EIO.pong;

export interface OpenPayload {
  readonly sid: string;
  readonly upgrades: string[];
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly maxPayload: number;
}

export type Frame =
  | { readonly kind: 'open'; readonly open: OpenPayload }
  | { readonly kind: 'close' }
  | { readonly kind: 'ping' }
  | { readonly kind: 'pong' }
  | { readonly kind: 'noop' }
  | { readonly kind: 'connect'; readonly nsp: string; readonly data: { sid?: string; pid?: string } | undefined }
  | { readonly kind: 'connect_error'; readonly nsp: string; readonly error: { message: string; data?: unknown } }
  | { readonly kind: 'disconnect'; readonly nsp: string }
  | { readonly kind: 'event'; readonly nsp: string; readonly id: number | undefined; readonly name: string; readonly args: unknown[] }
  | { readonly kind: 'ack'; readonly nsp: string; readonly id: number; readonly args: unknown[] }
  | { readonly kind: 'invalid'; readonly raw: string; readonly reason: string };

const invalid = (raw: string, reason: string): Frame => ({ kind: 'invalid', raw, reason });

/** Decodes one text frame received on an Engine.IO v4 WebSocket. Never throws: a bad frame is `kind: 'invalid'`. */
export function decodeFrame(raw: string): Frame {
  switch (raw[0]) {
    case EIO.open:
      try {
        return { kind: 'open', open: JSON.parse(raw.slice(1)) as OpenPayload };
      } catch {
        return invalid(raw, 'open payload is not JSON');
      }
    case EIO.close:
      return { kind: 'close' };
    case EIO.ping:
      return { kind: 'ping' };
    case EIO.pong:
      return { kind: 'pong' };
    case EIO.noop:
      return { kind: 'noop' };
    case EIO.message:
      return decodeSocketIo(raw);
    default:
      return invalid(raw, 'unknown engine.io packet type');
  }
}

function decodeSocketIo(raw: string): Frame {
  const type = raw[1];
  let i = 2;
  if (type === SIO.binaryEvent || type === SIO.binaryAck) return invalid(raw, 'binary packets are not supported');
  // Namespace: present when the next character is '/', up to the first ','.
  let nsp = '/';
  if (raw[i] === '/') {
    const comma = raw.indexOf(',', i);
    if (comma === -1) {
      nsp = raw.slice(i);
      i = raw.length;
    } else {
      nsp = raw.slice(i, comma);
      i = comma + 1;
    }
  }
  // Ack id: the digits before the JSON.
  let id: number | undefined;
  const idStart = i;
  while (i < raw.length && raw.charCodeAt(i) >= 48 && raw.charCodeAt(i) <= 57) i++;
  if (i > idStart) id = Number(raw.slice(idStart, i));
  let data: unknown;
  if (i < raw.length) {
    try {
      data = JSON.parse(raw.slice(i));
    } catch {
      return invalid(raw, 'payload is not JSON');
    }
  }
  switch (type) {
    case SIO.connect:
      return { kind: 'connect', nsp, data: data as { sid?: string; pid?: string } | undefined };
    case SIO.disconnect:
      return { kind: 'disconnect', nsp };
    case SIO.connectError: {
      const error = typeof data === 'object' && data !== null ? (data as { message: string; data?: unknown }) : { message: String(data) };
      return { kind: 'connect_error', nsp, error };
    }
    case SIO.event: {
      if (!Array.isArray(data) || typeof data[0] !== 'string') return invalid(raw, 'event payload is not ["name", …]');
      return { kind: 'event', nsp, id, name: data[0], args: data.slice(1) };
    }
    case SIO.ack: {
      if (id === undefined || !Array.isArray(data)) return invalid(raw, 'ack without id or array payload');
      return { kind: 'ack', nsp, id, args: data };
    }
    default:
      return invalid(raw, 'unknown socket.io packet type');
  }
}

export interface SessionHandlers {
  /** The Engine.IO handshake arrived (the socket may now join namespaces). */
  onOpen?(open: OpenPayload): void;
  onConnect?(nsp: string, data: { sid?: string; pid?: string } | undefined): void;
  onConnectError?(nsp: string, error: { message: string; data?: unknown }): void;
  /** A server event; `ack` is set when the server asked for an answer. */
  onEvent?(nsp: string, name: string, args: unknown[], ack: ((...args: unknown[]) => void) | undefined): void;
  onDisconnect?(nsp: string): void;
  /** The server closed the Engine.IO session (`1`). */
  onClose?(): void;
  onInvalid?(raw: string, reason: string): void;
}

export interface Session {
  /** Feed every text frame received on the WebSocket here. */
  receive(raw: string): void;
  connect(nsp: string, auth?: object): void;
  emit(nsp: string, name: string, ...args: unknown[]): void;
  /** Emits with an ack id; `onAck` gets the server's answer (`args`). */
  emitWithAck(nsp: string, name: string, args: readonly unknown[], onAck: (...args: unknown[]) => void): void;
  /** Acks not answered yet. */
  pendingAcks(): number;
}

/**
 * A Socket.IO client session over any WebSocket: answers heartbeats, numbers acks and routes their answers.
 * `send` writes one text frame. Keeps no timers and knows nothing of the socket library.
 */
export function createSession(send: (frame: string) => void, handlers: SessionHandlers): Session {
  let nextAckId = 0;
  const acks = new Map<number, (...args: unknown[]) => void>();
  return {
    receive(raw) {
      const frame = decodeFrame(raw);
      switch (frame.kind) {
        case 'open':
          return handlers.onOpen?.(frame.open);
        case 'ping':
          return send(PONG_FRAME);
        case 'close':
          return handlers.onClose?.();
        case 'connect':
          return handlers.onConnect?.(frame.nsp, frame.data);
        case 'connect_error':
          return handlers.onConnectError?.(frame.nsp, frame.error);
        case 'disconnect':
          return handlers.onDisconnect?.(frame.nsp);
        case 'event': {
          const { nsp, id } = frame;
          const ack = id === undefined ? undefined : (...args: unknown[]) => send(encodeAck(nsp, id, args));
          return handlers.onEvent?.(nsp, frame.name, frame.args, ack);
        }
        case 'ack': {
          const callback = acks.get(frame.id);
          acks.delete(frame.id);
          return callback?.(...frame.args);
        }
        case 'invalid':
          return handlers.onInvalid?.(frame.raw, frame.reason);
        default:
          return undefined; // pong, noop
      }
    },
    connect: (nsp, auth) => send(encodeConnect(nsp, auth)),
    emit: (nsp, name, ...args) => send(encodeEvent(nsp, name, args)),
    emitWithAck(nsp, name, args, onAck) {
      const id = nextAckId++;
      acks.set(id, onAck);
      send(encodeEvent(nsp, name, args, id));
    },
    pendingAcks: () => acks.size,
  };
}
