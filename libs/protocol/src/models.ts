import { z } from 'zod';

export const MessageSender = z.enum(['user', 'agent', 'system']);
export type MessageSender = z.infer<typeof MessageSender>;

export const MessageStatus = z.enum(['sent', 'delivered', 'read']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** The side of a conversation that reads: the device's user or the app's agents. */
export const ReaderSide = z.enum(['user', 'agent']);
export type ReaderSide = z.infer<typeof ReaderSide>;

/** `snoozed`: set aside by an agent until `snoozed_until`, when it reopens by itself (CONTRACT.md, workflow). */
export const ConversationStatus = z.enum(['open', 'closed', 'snoozed']);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

export const IsoTime = z.iso.datetime({ offset: false }).describe('ISO 8601 UTC time');

export const Conversation = z
  .object({
    id: z.string(),
    app_id: z.string(),
    device_id: z.string(),
    /** The identified user the conversation belongs to; `null` for an anonymous device's conversation. */
    user_id: z.string().nullable(),
    status: ConversationStatus,
    /** When a `snoozed` conversation reopens by itself; `null` unless `status` is `snoozed`. */
    snoozed_until: IsoTime.nullable(),
    /** The agent id (an agent token's `sub`) it is assigned to; `null`: unassigned. */
    assignee_id: z.string().nullable(),
    created_at: IsoTime,
    updated_at: IsoTime,
    last_message_id: z.string().nullable(),
    /** When its newest message was stored; `null` without messages. */
    last_message_at: IsoTime.nullable(),
    /** The messages from the other side after the caller's side's read marker, as seen by the caller. */
    unread_count: z.number().int().nonnegative(),
  })
  .meta({ id: 'Conversation' });
export type Conversation = z.infer<typeof Conversation>;

export const Message = z
  .object({
    id: z.string(),
    local_id: z.string(),
    conversation_id: z.string(),
    seq: z.number().int().positive(),
    body: z.string(),
    sender: MessageSender,
    /** The user id of an identified user, the device id of an anonymous one, the agent id of an agent token; `null` for the admin token and `system`. */
    sender_id: z.string().nullable(),
    /** The `name` claim of the agent token that sent it; `null` otherwise. */
    sender_name: z.string().nullable(),
    created_at: IsoTime,
    status: MessageStatus,
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

/** Whether an app's clients must carry a user token (`required`) or may be anonymous devices (`optional`). */
export const IdentityPolicy = z.enum(['optional', 'required']);
export type IdentityPolicy = z.infer<typeof IdentityPolicy>;

/** An app as the operator API shows it after creation: never a secret. */
export const App = z
  .object({ id: z.string(), name: z.string(), identity: IdentityPolicy, created_at: IsoTime })
  .meta({ id: 'App' });
export type App = z.infer<typeof App>;

export const IdentityKeyAlg = z.enum(['HS256', 'ES256']);
export type IdentityKeyAlg = z.infer<typeof IdentityKeyAlg>;

/** An identity key as listed: never its secret. */
export const IdentityKey = z.object({ kid: z.string(), alg: IdentityKeyAlg, created_at: IsoTime }).meta({ id: 'IdentityKey' });
export type IdentityKey = z.infer<typeof IdentityKey>;

/** `POST /v1/apps/:app_id/identity-keys`: an HS256 key's `secret` is shown here only. */
export const CreatedIdentityKey = IdentityKey.extend({ secret: z.string().optional() }).meta({ id: 'CreatedIdentityKey' });
export type CreatedIdentityKey = z.infer<typeof CreatedIdentityKey>;

export const IdentityKeyList = z.object({ data: z.array(IdentityKey) }).meta({ id: 'IdentityKeyList' });
export type IdentityKeyList = z.infer<typeof IdentityKeyList>;

/** `POST /v1/apps/:app_id/credentials/rotate`: the new credential (shown here only) and the previous one's end. */
export const RotatedCredential = z
  .object({ api_key: z.string().optional(), admin_token: z.string().optional(), previous_valid_until: IsoTime })
  .meta({ id: 'RotatedCredential' });
export type RotatedCredential = z.infer<typeof RotatedCredential>;

/** What `POST /v1/apps` answers, the only time the secrets are shown. */
export const CreatedApp = z
  .object({
    id: z.string(),
    name: z.string(),
    api_key: z.string(),
    admin_token: z.string(),
    created_at: IsoTime,
  })
  .meta({ id: 'CreatedApp' });
export type CreatedApp = z.infer<typeof CreatedApp>;

export const ConversationPage = z
  .object({
    data: z.array(Conversation),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'ConversationPage' });
export type ConversationPage = z.infer<typeof ConversationPage>;

export const MessagePage = z
  .object({
    data: z.array(Message),
    has_more: z.boolean(),
  })
  .meta({ id: 'MessagePage' });
export type MessagePage = z.infer<typeof MessagePage>;
