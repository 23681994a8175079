import { z } from 'zod';

export const MessageSender = z.enum(['user', 'agent', 'system']);
export type MessageSender = z.infer<typeof MessageSender>;

export const MessageStatus = z.enum(['sent', 'delivered', 'read']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** The side of a conversation that reads: the device's user or the app's agents. */
export const ReaderSide = z.enum(['user', 'agent']);
export type ReaderSide = z.infer<typeof ReaderSide>;

export const ConversationStatus = z.enum(['open', 'closed']);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

const IsoTime = z.iso.datetime({ offset: false }).describe('ISO 8601 UTC time');

export const Conversation = z
  .object({
    id: z.string(),
    app_id: z.string(),
    device_id: z.string(),
    status: ConversationStatus,
    created_at: IsoTime,
    updated_at: IsoTime,
    last_message_id: z.string().nullable(),
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
    created_at: IsoTime,
    status: MessageStatus,
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

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
