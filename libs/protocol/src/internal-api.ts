import { z } from 'zod';
import { AdminAuth, ClientAuth } from './socket-payloads.js';
import { BodyField, DeviceIdField, IdField, LocalIdField } from './fields.js';

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

/** Who the gateway acts for, as established at the socket's handshake. */
export const InternalPrincipal = z.strictObject({
  app_id: IdField,
  /** Present for a device (client namespace); absent for an agent. */
  device_id: DeviceIdField.optional(),
});
export type InternalPrincipal = z.infer<typeof InternalPrincipal>;

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

export const InternalConversationAccessRequest = z.strictObject({
  principal: InternalPrincipal,
  conversation_id: IdField,
});
export type InternalConversationAccessRequest = z.infer<typeof InternalConversationAccessRequest>;

export interface InternalConversationAccessResponse {
  readonly conversation_id: string;
  readonly app_id: string;
  readonly device_id: string;
  readonly last_message_id: string | null;
}

export const InternalSendMessageRequest = z.strictObject({
  principal: InternalPrincipal,
  conversation_id: IdField,
  body: BodyField,
  local_id: LocalIdField,
});
export type InternalSendMessageRequest = z.infer<typeof InternalSendMessageRequest>;
