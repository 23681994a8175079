import { z } from 'zod';
import { BodyField, DeviceIdField, IdField, LocalIdField, TokenField } from './fields.js';

/** Handshake `auth` of the `/client` namespace; `user_token` makes the device act as a signed-in user. */
export const ClientAuth = z.object({
  app_id: IdField,
  device_id: DeviceIdField,
  api_key: z.string().min(1).max(256),
  user_token: TokenField.optional(),
});
export type ClientAuth = z.infer<typeof ClientAuth>;

/** Handshake `auth` of the `/admin` namespace: the app's admin token or an agent token (exactly one of them). */
export const AdminAuth = z.object({
  app_id: IdField,
  admin_token: z.string().min(1).max(256).optional(),
  agent_token: TokenField.optional(),
});
export type AdminAuth = z.infer<typeof AdminAuth>;

/** Inbound socket payloads are strict like REST bodies. */
export const ConversationRef = z.strictObject({ conversation_id: IdField });
export type ConversationRef = z.infer<typeof ConversationRef>;

export const SocketSendMessage = z.strictObject({
  conversation_id: IdField,
  body: BodyField,
  local_id: LocalIdField,
});
export type SocketSendMessage = z.infer<typeof SocketSendMessage>;

export const AppRef = z.strictObject({ app_id: IdField });
export type AppRef = z.infer<typeof AppRef>;

/** `auth:refresh`: a fresh token for the same `sub`, sent in band before the socket's token expires. */
export const AuthRefresh = z.strictObject({ token: TokenField });
export type AuthRefresh = z.infer<typeof AuthRefresh>;
