import type { Socket } from 'socket.io-client';
import type { AckError, ConnectedPayload, ConversationJoinedPayload, Message, ServerShutdownPayload } from '@switchboard/protocol';
import type { ConnectionLifecycle } from './connection-lifecycle.js';
import type { ConversationStreams } from './conversation-stream.js';

export interface ServerEventTargets {
  readonly lifecycle: Pick<ConnectionLifecycle, 'hint' | 'serverError'>;
  readonly streams: ConversationStreams;
  /** The conversations joined (auto-joined ones too): joined again after a reconnect that was not recovered. */
  readonly joined: Set<string>;
  /** The server's id of this connection and its clock (`connected`, right after the handshake). */
  readonly onConnected: (payload: ConnectedPayload) => void;
  readonly emit: (event: string, ...args: unknown[]) => void;
}

/** The server events the client acts on; the connection's own (`connect`, `disconnect`…) are the lifecycle's. */
const HANDLED = new Set(['server:shutdown', 'conversation:joined', 'message:new', 'connected', 'error']);

/**
 * Routes what the server sends: messages into their conversation's ordered stream, the shutdown hint and credential
 * errors to the lifecycle; every event passes on to the client's listeners (`message:new` once, in order).
 */
export function wireServerEvents(socket: Socket, { lifecycle, streams, joined, onConnected, emit }: ServerEventTargets): void {
  socket.on('server:shutdown', (payload: ServerShutdownPayload) => {
    lifecycle.hint(payload.reconnect_delay_ms);
    emit('server:shutdown', payload);
  });
  socket.on('error', (payload: AckError) => {
    lifecycle.serverError(payload);
    emit('error', payload);
  });
  socket.on('conversation:joined', (payload: ConversationJoinedPayload) => {
    // Auto-joined conversations count as joined: they are joined again after a reconnect that was not recovered.
    joined.add(payload.conversation_id);
    emit('conversation:joined', payload);
    void streams.joined(payload.conversation_id, payload.last_message_id);
  });
  socket.on('message:new', (message: Message) => streams.received(message));
  socket.on('connected', (payload: ConnectedPayload) => {
    onConnected(payload);
    emit('connected', payload);
  });
  // Every other server event passes through as it came.
  socket.onAny((event: string, ...args: unknown[]) => {
    if (!HANDLED.has(event)) emit(event, ...args);
  });
}
