import type { ErrorCode } from './error-codes.js';
import type { Conversation, Message, MessageStatus, ReaderSide } from './models.js';
import type { SocketConversationUpdate } from './conversation-update.js';
import type { AppRef, AuthRefresh, ConversationRef, SocketSendMessage } from './socket-payloads.js';

/** Socket.IO path and namespaces of CONTRACT.md. */
export const SOCKET_PATH = '/v1/socket.io';
export const NAMESPACES = Object.freeze({ client: '/client', admin: '/admin' } as const);

export interface AckError {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * The `data` of a handshake's `connect_error` (its `message` is the code). `retry_after_ms`: when a refusal for
 * load (`UNAVAILABLE`, the node's auth queue full) should be tried again; clients wait that long instead of their
 * own backoff, so a reconnect storm comes back at the rate the node can take.
 */
export interface HandshakeRefusalData extends AckError {
  readonly retry_after_ms?: number;
}

/** Every event sent with an ack callback is acked with one of these. */
export type AckResult<T extends object = object> =
  | ({ readonly success: true } & T)
  | { readonly success: false; readonly error: AckError };

export type Ack<T extends object = object> = (result: AckResult<T>) => void;

export interface SessionInfo {
  readonly connection_id: string;
  readonly device_id: string;
  /** The signed-in user on that device, `null` when anonymous. */
  readonly user_id: string | null;
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
  readonly user_id: string | null;
  readonly connection_id: string;
  readonly connected_at: string;
}
export interface SessionDisconnectPayload {
  readonly app_id: string;
  readonly device_id: string;
  readonly user_id: string | null;
  readonly connection_id: string;
  readonly reason: string;
}
export interface PresenceChangePayload {
  readonly app_id: string;
  readonly device_id: string;
  readonly user_id: string | null;
  readonly is_online: boolean;
  readonly active_connections: number;
}

// ---- event maps, used as Socket.IO's generics by the gateway, the SDK and the tests ----
/** What a device or an agent sends on either namespace. */
export interface SocketToServerEvents {
  'conversation:join': (payload: ConversationRef, ack?: Ack<{ last_message_id: string | null }>) => void;
  'conversation:leave': (payload: ConversationRef, ack?: Ack) => void;
  'typing:start': (payload: ConversationRef, ack?: Ack) => void;
  'typing:stop': (payload: ConversationRef, ack?: Ack) => void;
  'message:send': (payload: SocketSendMessage, ack?: Ack<{ message: Message }>) => void;
  'auth:refresh': (payload: AuthRefresh, ack?: Ack<{ expires_at: string }>) => void;
  ping: (ack?: (reply: 'pong') => void) => void;
}

/** What the server sends on either namespace. */
export interface ServerToSocketEvents {
  connected: (payload: ConnectedPayload) => void;
  'conversation:joined': (payload: ConversationJoinedPayload) => void;
  'message:new': (payload: Message) => void;
  'message:status': (payload: MessageStatusPayload) => void;
  /** A change of `status`, `snoozed_until` or `assignee_id`, once per change; `unread_count` as this side sees it. */
  'conversation:updated': (payload: Conversation) => void;
  error: (payload: AckError) => void;
  'server:shutdown': (payload: ServerShutdownPayload) => void;
}

export interface ClientToServerEvents extends SocketToServerEvents {}

export interface ServerToClientEvents extends ServerToSocketEvents {
  'agent:typing': (payload: AgentTypingPayload) => void;
}

export interface AdminToServerEvents extends SocketToServerEvents {
  'app:subscribe': (payload: AppRef, ack?: Ack) => void;
  'sessions:list': (payload: AppRef, ack?: Ack<{ sessions: SessionInfo[] }>) => void;
  /** Status, snooze, assignment (the rules of `PATCH /v1/conversations/:id`); acks the conversation after it. */
  'conversation:update': (payload: SocketConversationUpdate, ack?: Ack<{ conversation: Conversation }>) => void;
}

export interface ServerToAdminEvents extends ServerToSocketEvents {
  'session:connect': (payload: SessionConnectPayload) => void;
  'session:disconnect': (payload: SessionDisconnectPayload) => void;
  'presence:change': (payload: PresenceChangePayload) => void;
  'user:typing': (payload: UserTypingPayload) => void;
}

/** The payload of an event of a map (`EventPayload<ClientToServerEvents['message:send']>`). */
export type EventPayload<F> = F extends (payload: infer P, ...rest: any[]) => void ? P : never;

/**
 * What an event's ack carries besides `success: true` (`{ message }` for `message:send`); `void` for an ack that
 * carries nothing. A handler of the event returns exactly this.
 */
export type EventAckResult<F> = F extends (payload: any, ack?: Ack<infer T>) => void ? ({} extends T ? void : T) : never;
