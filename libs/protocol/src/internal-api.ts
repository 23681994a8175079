import { z } from 'zod';
import { AdminAuth, ClientAuth, ConversationRef, SocketSendMessage } from './socket-payloads.js';
import { Principal } from './principal.js';

/**
 * The messages service's internal API, used by the gateway only (never routed from outside). Every request
 * carries `X-Internal-Token` when `INTERNAL_TOKEN` is set. Errors use the public error body and codes.
 */
export const INTERNAL_PATHS = Object.freeze({
  authClient: '/internal/v1/auth/client',
  authAdmin: '/internal/v1/auth/admin',
  conversationAccess: '/internal/v1/conversations/access',
  sendMessage: '/internal/v1/messages',
});

export const INTERNAL_TOKEN_HEADER = 'X-Internal-Token';

export const InternalAuthClientRequest = z.strictObject(ClientAuth.shape);
export type InternalAuthClientRequest = z.infer<typeof InternalAuthClientRequest>;

export interface InternalAuthClientResponse {
  readonly app_id: string;
  readonly device_id: string;
  /** The device's most recently active conversation, auto-joined on connect. */
  readonly latest_conversation: { readonly id: string; readonly last_message_id: string | null } | null;
}

export const InternalAuthAdminRequest = z.strictObject(AdminAuth.shape);
export type InternalAuthAdminRequest = z.infer<typeof InternalAuthAdminRequest>;

export interface InternalAuthAdminResponse {
  readonly app_id: string;
}

/** The socket's `conversation:join` payload, with who the gateway acts for (established at the handshake). */
export const InternalConversationAccessRequest = ConversationRef.extend({ principal: Principal });
export type InternalConversationAccessRequest = z.infer<typeof InternalConversationAccessRequest>;

export interface InternalConversationAccessResponse {
  readonly conversation_id: string;
  readonly app_id: string;
  readonly device_id: string;
  readonly last_message_id: string | null;
}

/** The socket's `message:send` payload, with who the gateway acts for: the same rules, said once. */
export const InternalSendMessageRequest = SocketSendMessage.extend({ principal: Principal });
export type InternalSendMessageRequest = z.infer<typeof InternalSendMessageRequest>;
