import { z } from 'zod';
import { AdminAuth, ClientAuth, ConversationRef, SocketSendMessage } from './socket-payloads.js';
import { AgentPrincipal, Principal, type ClientPrincipal } from './principal.js';
import { ConversationUpdateFields, checkConversationUpdate } from './conversation-update.js';
import type { Conversation } from './models.js';
import { TokenField } from './fields.js';

/**
 * The messages service's internal API, used by the gateway only (never routed from outside). Every request
 * carries `X-Internal-Token` when `INTERNAL_TOKEN` is set. Errors use the public error body and codes.
 * The messages service is the only place credentials and tokens are checked (it owns apps and identity keys,
 * cached there); the gateway keeps what the answer says about the socket's credentials (`AuthSession`).
 */
export const INTERNAL_PATHS = Object.freeze({
  authClient: '/internal/v1/auth/client',
  authAdmin: '/internal/v1/auth/admin',
  authRefresh: '/internal/v1/auth/refresh',
  conversationAccess: '/internal/v1/conversations/access',
  sendMessage: '/internal/v1/messages',
  updateConversation: '/internal/v1/conversations/update',
});

export const INTERNAL_TOKEN_HEADER = 'X-Internal-Token';

/**
 * What an authentication established about the credentials, for the gateway to act on while the socket lives:
 * - `token_expires_at`: the user or agent token's `exp` (ISO), `null` without a token. The gateway expires the
 *   socket (`TOKEN_EXPIRED`) at `exp` + `IDENTITY.leewaySeconds` unless it refreshed in band.
 * - `credentials_valid_until`: when a credential used is a rotated-out previous one, the end of its grace (ISO);
 *   the gateway disconnects the socket (`INVALID_CREDENTIALS`) then. `null` for current credentials.
 * - `credentials`: the `credentialId`s used (api key, admin token, identity key), which a later
 *   `app.credentials_revoked` may name.
 */
export interface AuthSession {
  readonly token_expires_at: string | null;
  readonly credentials_valid_until: string | null;
  readonly credentials: readonly string[];
}

export const InternalAuthClientRequest = z.strictObject(ClientAuth.shape);
export type InternalAuthClientRequest = z.infer<typeof InternalAuthClientRequest>;

export interface InternalAuthClientResponse {
  /** A device, or a user when a valid user token came with it. */
  readonly principal: ClientPrincipal;
  /** The principal's most recently active conversation (the user's, for a user), auto-joined on connect. */
  readonly latest_conversation: { readonly id: string; readonly last_message_id: string | null } | null;
  readonly session: AuthSession;
}

export const InternalAuthAdminRequest = z
  .strictObject(AdminAuth.shape)
  .refine((auth) => (auth.admin_token === undefined) !== (auth.agent_token === undefined), {
    message: 'exactly one of admin_token and agent_token',
    path: ['admin_token'],
  });
export type InternalAuthAdminRequest = z.infer<typeof InternalAuthAdminRequest>;

export interface InternalAuthAdminResponse {
  readonly principal: AgentPrincipal;
  readonly session: AuthSession;
}

/** `auth:refresh`: the socket's principal and the new token; checked like a handshake's, same `sub` (else `FORBIDDEN`). */
export const InternalAuthRefreshRequest = z.strictObject({ principal: Principal, token: TokenField });
export type InternalAuthRefreshRequest = z.infer<typeof InternalAuthRefreshRequest>;

export interface InternalAuthRefreshResponse {
  readonly session: AuthSession;
}

/** The socket's `conversation:join` payload, with who the gateway acts for (established at the handshake). */
export const InternalConversationAccessRequest = ConversationRef.extend({ principal: Principal });
export type InternalConversationAccessRequest = z.infer<typeof InternalConversationAccessRequest>;

export interface InternalConversationAccessResponse {
  readonly conversation_id: string;
  readonly app_id: string;
  readonly device_id: string;
  readonly user_id: string | null;
  readonly last_message_id: string | null;
}

/** The socket's `message:send` payload, with who the gateway acts for: the same rules, said once. */
export const InternalSendMessageRequest = SocketSendMessage.extend({ principal: Principal });
export type InternalSendMessageRequest = z.infer<typeof InternalSendMessageRequest>;

/** The admin socket's `conversation:update`, with the agent the gateway acts for; answered with the `Conversation`. */
export const InternalUpdateConversationRequest = z
  .strictObject({ ...ConversationRef.shape, ...ConversationUpdateFields, principal: AgentPrincipal })
  .superRefine(checkConversationUpdate);
export type InternalUpdateConversationRequest = z.infer<typeof InternalUpdateConversationRequest>;
export type InternalUpdateConversationResponse = Conversation;
