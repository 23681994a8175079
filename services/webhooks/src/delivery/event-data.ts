import { z } from 'zod';
import {
  ConversationUpdatedEvent,
  Message,
  MessageCreatedEvent,
  MessageStatusEvent,
  SUBJECTS,
  type WebhookEventType,
} from '@switchboard/protocol';

/** An event as the webhooks service keeps it: the body's fields but `id`, with `data` still lacking what is added at ingest. */
export interface ParsedEvent {
  readonly type: WebhookEventType;
  readonly appId: string;
  /** The body's `created_at`: the event's own time (the message's, the conversation's change), else when the bus stored it. */
  readonly createdAt: Date;
  readonly data: Record<string, unknown>;
  /** `message.created` only: the message, to find its recipient. */
  readonly message?: MessageCreatedEvent;
}

const messageFields = Object.keys(Message.shape) as (keyof Message)[];

/**
 * A bus event's `data` for the webhook body (CONTRACT.md, "Webhooks"): `message.created` → the `Message` (its
 * `recipient_online` is added at ingest), `message.status` → as on NATS, `conversation.updated` → `{ app_id,
 * conversation }` (the agents' view; the user's unread count stays internal). `undefined` for a subject that is not
 * a webhook event type (`app.*`); `'malformed'` for a payload that fails its schema.
 */
export function parseBusEvent(subject: string, payload: unknown, storedAt: Date): ParsedEvent | 'malformed' | undefined {
  switch (subject) {
    case SUBJECTS.messageCreated: {
      const parsed = MessageCreatedEvent.safeParse(payload);
      if (!parsed.success) return 'malformed';
      const message = parsed.data;
      const data = Object.fromEntries(messageFields.map((key) => [key, message[key]]));
      return { type: subject, appId: message.app_id, createdAt: new Date(message.created_at), data, message };
    }
    case SUBJECTS.messageStatus: {
      const parsed = MessageStatusEvent.safeParse(payload);
      if (!parsed.success) return 'malformed';
      return { type: subject, appId: parsed.data.app_id, createdAt: storedAt, data: parsed.data };
    }
    case SUBJECTS.conversationUpdated: {
      const parsed = ConversationUpdatedEvent.safeParse(payload);
      if (!parsed.success) return 'malformed';
      const { app_id, conversation } = parsed.data;
      return { type: subject, appId: app_id, createdAt: new Date(conversation.updated_at), data: { app_id, conversation } };
    }
    default:
      return undefined;
  }
}

/** The JSON body of a delivery; `id` is the event's, the same on every retry and for every endpoint. */
export function webhookBody(event: { id: string; type: string; app_id: string; created_at: Date; payload: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at.toISOString(), app_id: event.app_id, data: event.payload });
}

export const StoredData = z.record(z.string(), z.unknown());
