import { z } from 'zod';
import { Conversation, Message, MessageStatus, ReaderSide } from './models.js';

/**
 * The JetStream stream of CONTRACT.md: subjects `message.>`, file storage, 7 days, 2-minute duplicate window. `name`
 * and `subjects` are the unprefixed names: services take theirs from `natsNames(NATS_PREFIX)` (nats-names.ts).
 */
export const MESSAGES_STREAM = Object.freeze({
  name: 'MESSAGES',
  subjects: ['message.>'] as const,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  duplicateWindowMs: 2 * 60 * 1000,
});

/** The second stream (CONTRACT.md, second release): workflow and app events, same storage and duplicate window. */
export const EVENTS_STREAM = Object.freeze({
  name: 'EVENTS',
  subjects: ['conversation.>', 'app.>'] as const,
  maxAgeMs: MESSAGES_STREAM.maxAgeMs,
  duplicateWindowMs: MESSAGES_STREAM.duplicateWindowMs,
});

/** The contract's subjects, as stored in the outbox and handled by the fan-out; on the wire: `natsNames().subject()`. */
export const SUBJECTS = Object.freeze({
  messageCreated: 'message.created',
  messageStatus: 'message.status',
  appCredentialsRevoked: 'app.credentials_revoked',
  conversationUpdated: 'conversation.updated',
} as const);
export type Subject = (typeof SUBJECTS)[keyof typeof SUBJECTS];

/** The durable consumer every gateway shares for fan-out (unprefixed: see `natsNames`). */
export const FANOUT_CONSUMER = 'gateway-fanout';

/** The durable consumer every gateway shares on `EVENTS` (unprefixed: see `natsNames`). */
export const EVENTS_CONSUMER = 'gateway-events';

/** `sender_id` / `sender_name` default to `null` so that events written before the identity release still parse. */
export const MessageCreatedEvent = Message.extend({
  app_id: z.string(),
  sender_id: z.string().nullable().default(null),
  sender_name: z.string().nullable().default(null),
}).meta({ id: 'MessageCreatedEvent' });
export type MessageCreatedEvent = z.infer<typeof MessageCreatedEvent>;

export const MessageStatusEvent = z
  .object({
    app_id: z.string(),
    conversation_id: z.string(),
    message_id: z.string(),
    status: MessageStatus,
    reader: ReaderSide,
  })
  .meta({ id: 'MessageStatusEvent' });
export type MessageStatusEvent = z.infer<typeof MessageStatusEvent>;

/**
 * Which credential a socket or request authenticated with, as one string the gateway keeps per socket and a
 * revocation names: `api_key:<fingerprint>`, `admin_token:<fingerprint>` (the first 16 hex digits of the stored
 * SHA-256, never the secret) or `identity_key:<kid>`.
 */
export type CredentialKind = 'api_key' | 'admin_token' | 'identity_key';
export const credentialId = (which: CredentialKind, id: string): string => `${which}:${id}`;

/**
 * `app.credentials_revoked` (CONTRACT.md): a credential of the app stops working at `valid_until` (now, for a
 * rotation with grace 0 or a deleted identity key). `credential_id` (additive) names which one, so that gateways
 * disconnect exactly the sockets that authenticated with it.
 */
export const AppCredentialsRevokedEvent = z
  .object({
    app_id: z.string(),
    which: z.enum(['api_key', 'admin_token', 'identity_key']),
    valid_until: z.iso.datetime({ offset: false }),
    credential_id: z.string(),
  })
  .meta({ id: 'AppCredentialsRevokedEvent' });
export type AppCredentialsRevokedEvent = z.infer<typeof AppCredentialsRevokedEvent>;

/**
 * `conversation.updated` (CONTRACT.md): a change of `status`, `snoozed_until` or `assignee_id`, once per change.
 * `conversation.unread_count` is the agents' (the app's backend reads this stream); `user_unread_count` (additive)
 * is the user's side, so the gateway tells each namespace its own.
 */
export const ConversationUpdatedEvent = z
  .object({
    app_id: z.string(),
    conversation: Conversation,
    user_unread_count: z.number().int().nonnegative(),
  })
  .meta({ id: 'ConversationUpdatedEvent' });
export type ConversationUpdatedEvent = z.infer<typeof ConversationUpdatedEvent>;

export interface SubjectPayloads {
  'message.created': z.input<typeof MessageCreatedEvent>;
  'message.status': MessageStatusEvent;
  'app.credentials_revoked': AppCredentialsRevokedEvent;
  'conversation.updated': ConversationUpdatedEvent;
}
