/**
 * The frames the floor server writes: the Engine.IO open packet and ping, and the Socket.IO connect answers and
 * events, byte for byte as Socket.IO 4.8 writes them (so the load clients' fast `message:new` path applies).
 * Client frames are read with `decodeFrame` of ../protocol/sio-frames.ts.
 */
import type { ErrorCode } from '@switchboard/protocol';
import { EIO, SIO, encodeConnect } from '../protocol/sio-frames.js';

export interface OpenOptions {
  readonly sid: string;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly maxPayloadBytes: number;
}

/** `0{"sid":…}`: the Engine.IO handshake, first frame on a new WebSocket (no upgrades: WebSocket only). */
export const openFrame = (options: OpenOptions): string =>
  `${EIO.open}${JSON.stringify({ sid: options.sid, upgrades: [], pingInterval: options.pingIntervalMs, pingTimeout: options.pingTimeoutMs, maxPayload: options.maxPayloadBytes })}`;

/** `2`: the server's heartbeat; the client answers `3`. */
export const PING_FRAME = EIO.ping;

/** `40/client,{"sid":…}`: the namespace connect was admitted. */
export const connectedFrame = (nsp: string, sid: string): string => encodeConnect(nsp, { sid });

/** `44/client,{"message":"INVALID_CREDENTIALS","data":{"code":"INVALID_CREDENTIALS"}}`: refused, as the gateway says it. */
export const connectErrorFrame = (nsp: string, code: ErrorCode): string =>
  `${EIO.message}${SIO.connectError}${nsp},${JSON.stringify({ message: code, data: { code } })}`;

/** `42/client,["name",<json>]` from an already encoded argument, so one event is stringified once for every namespace. */
export const eventFrame = (nsp: string, name: string, json: string): string => `${EIO.message}${SIO.event}${nsp},[${JSON.stringify(name)},${json}]`;
