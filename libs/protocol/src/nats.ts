import { z } from 'zod';
import { Message, MessageStatus, ReaderSide } from './models.js';

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

/** The contract's subjects, as stored in the outbox and handled by the fan-out; on the wire: `natsNames().subject()`. */
export const SUBJECTS = Object.freeze({
  messageCreated: 'message.created',
  messageStatus: 'message.status',
} as const);
export type Subject = (typeof SUBJECTS)[keyof typeof SUBJECTS];

/** The durable consumer every gateway shares for fan-out (unprefixed: see `natsNames`). */
export const FANOUT_CONSUMER = 'gateway-fanout';

export const MessageCreatedEvent = Message.extend({ app_id: z.string() }).meta({ id: 'MessageCreatedEvent' });
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

export interface SubjectPayloads {
  'message.created': MessageCreatedEvent;
  'message.status': MessageStatusEvent;
}
