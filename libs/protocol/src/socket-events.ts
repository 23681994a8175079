import type { ErrorCode } from './error-codes.js';
import type { Message, MessageStatus, ReaderSide } from './models.js';
import type { AppRef, ConversationRef, SocketSendMessage } from './socket-payloads.js';

/** Socket.IO path and namespaces of CONTRACT.md. */
export const SOCKET_PATH = '/v1/socket.io';
export const NAMESPACES = Object.freeze({ client: '/client', admin: '/admin' } as const);

export interface AckError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Every event sent with an ack callback is acked with one of these. */
export type AckResult<T extends object = object> =
  | ({ readonly success: true } & T)
  | { readonly success: false; readonly error: AckError };

export type Ack<T extends object = object> = (result: AckResult<T>) => void;

export interface SessionInfo {
  readonly connection_id: string;
  readonly device_id: string;
  readonly connected_at: string;
  readonly node_id: string;
}

// ---- server → socket payloads ----
export interface ConnectedPayload {
  readonly connection_id: string;
  readonly server_time: string;
}
export interface ConversationJoinedPayload {
  readonly conversation_id: string;
  readonly last_message_id: string | null;
}
export interface MessageStatusPayload {
  readonly conversation_id: string;
  readonly message_id: string;
  readonly status: MessageStatus;
  readonly reader: ReaderSide;
}
export interface AgentTypingPayload {
  readonly conversation_id: string;
  readonly is_typing: boolean;
}
export interface UserTypingPayload {
  readonly conversation_id: string;
  readonly device_id: string;
  readonly is_typing: boolean;
}
export interface ServerShutdownPayload {
  readonly message: string;
  readonly reconnect_delay_ms: number;
}
export interface SessionConnectPayload {
  readonly app_id: string;
  readonly device_id: string;
  readonly connection_id: string;
  readonly connected_at: string;
}
export interface SessionDisconnectPayload {
  readonly app_id: string;
  readonly device_id: string;
  readonly connection_id: string;
  readonly reason: string;
}
export interface PresenceChangePayload {
  readonly app_id: string;
  readonly device_id: string;
  readonly is_online: boolean;
  readonly active_connections: number;
}

// ---- event maps, used as Socket.IO's generics by the gateway, the SDK and the tests ----
export interface ClientToServerEvents {
  'conversation:join': (payload: ConversationRef, ack?: Ack<{ last_message_id: string | null }>) => void;
  'conversation:leave': (payload: ConversationRef, ack?: Ack) => void;
  'typing:start': (payload: ConversationRef, ack?: Ack) => void;
  'typing:stop': (payload: ConversationRef, ack?: Ack) => void;
  'message:send': (payload: SocketSendMessage, ack?: Ack<{ message: Message }>) => void;
  ping: (ack?: (reply: 'pong') => void) => void;
}

export interface ServerToClientEvents {
  connected: (payload: ConnectedPayload) => void;
  'conversation:joined': (payload: ConversationJoinedPayload) => void;
  'message:new': (payload: Message) => void;
  'message:status': (payload: MessageStatusPayload) => void;
  'agent:typing': (payload: AgentTypingPayload) => void;
  error: (payload: AckError) => void;
  'server:shutdown': (payload: ServerShutdownPayload) => void;
}

export interface AdminToServerEvents {
  'app:subscribe': (payload: AppRef, ack?: Ack) => void;
  'conversation:join': (payload: ConversationRef, ack?: Ack<{ last_message_id: string | null }>) => void;
  'conversation:leave': (payload: ConversationRef, ack?: Ack) => void;
  'message:send': (payload: SocketSendMessage, ack?: Ack<{ message: Message }>) => void;
  'typing:start': (payload: ConversationRef, ack?: Ack) => void;
  'typing:stop': (payload: ConversationRef, ack?: Ack) => void;
  'sessions:list': (payload: AppRef, ack?: Ack<{ sessions: SessionInfo[] }>) => void;
  ping: (ack?: (reply: 'pong') => void) => void;
}

export interface ServerToAdminEvents {
  connected: (payload: ConnectedPayload) => void;
  'conversation:joined': (payload: ConversationJoinedPayload) => void;
  'message:new': (payload: Message) => void;
  'message:status': (payload: MessageStatusPayload) => void;
  'session:connect': (payload: SessionConnectPayload) => void;
  'session:disconnect': (payload: SessionDisconnectPayload) => void;
  'presence:change': (payload: PresenceChangePayload) => void;
  'user:typing': (payload: UserTypingPayload) => void;
  error: (payload: AckError) => void;
  'server:shutdown': (payload: ServerShutdownPayload) => void;
}
