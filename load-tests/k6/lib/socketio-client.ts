/**
 * A minimal Socket.IO v5 client for k6, over `k6/websockets`: the frames come from ../../src/protocol/sio-frames.ts
 * (pure, unit-tested in Node against the real gateway), this file only wires them to k6's WebSocket.
 */
import { WebSocket } from 'k6/websockets';
import { createSession, engineIoUrl, type Session } from '../../src/protocol/sio-frames.ts';

export interface SocketIoClientOptions {
  /** `http(s)://host:port` of the gateway (or its ingress). */
  readonly baseUrl: string;
  /** @default '/v1/socket.io' */
  readonly path?: string;
  /** `/client` or `/admin`. */
  readonly nsp: string;
  readonly auth: object;
  /** The namespace accepted the handshake. */
  onConnect?(data: { sid?: string; pid?: string } | undefined): void;
  /** The namespace refused it (`MISSING_PARAMS`, `INVALID_CREDENTIALS`, `UNAVAILABLE`). */
  onConnectError?(message: string): void;
  onEvent?(name: string, args: unknown[]): void;
  /** The WebSocket closed, for whatever reason. */
  onClose?(): void;
  onError?(message: string): void;
}

export interface SocketIoClient {
  readonly ws: WebSocket;
  emit(name: string, ...args: unknown[]): void;
  emitWithAck(name: string, args: readonly unknown[], onAck: (...args: unknown[]) => void): void;
  close(): void;
}

export function connectSocketIo(options: SocketIoClientOptions): SocketIoClient {
  const ws = new WebSocket(engineIoUrl(options.baseUrl, options.path));
  let closed = false;
  const session: Session = createSession((frame) => ws.send(frame), {
    onOpen: () => session.connect(options.nsp, options.auth),
    onConnect: (nsp, data) => {
      if (nsp === options.nsp) options.onConnect?.(data);
    },
    onConnectError: (nsp, error) => {
      if (nsp === options.nsp) options.onConnectError?.(error.message);
    },
    onEvent: (nsp, name, args) => {
      if (nsp === options.nsp) options.onEvent?.(name, args);
    },
    onClose: () => ws.close(),
  });
  ws.onmessage = (event) => {
    if (event && typeof event.data === 'string') session.receive(event.data);
  };
  ws.onerror = (event) => options.onError?.(event ? String(event.error) : 'websocket error');
  ws.onclose = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  return {
    ws,
    emit: (name, ...args) => session.emit(options.nsp, name, ...args),
    emitWithAck: (name, args, onAck) => session.emitWithAck(options.nsp, name, args, onAck),
    close: () => ws.close(),
  };
}
