import { z } from 'zod';
import { AppNameField, BodyField, IdField, LimitQueryField, LocalIdField } from './fields.js';

/** Request schemas of the REST API. All are strict: unknown fields are refused. */

export const CreateAppRequest = z.strictObject({ name: AppNameField }).meta({ id: 'CreateAppRequest' });
export type CreateAppRequest = z.infer<typeof CreateAppRequest>;

export const CreateConversationRequest = z.strictObject({}).meta({ id: 'CreateConversationRequest' });
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const SendMessageRequest = z
  .strictObject({ body: BodyField, local_id: LocalIdField })
  .meta({ id: 'SendMessageRequest' });
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

export const MarkReadRequest = z
  .strictObject({ last_read_message_id: IdField })
  .meta({ id: 'MarkReadRequest' });
export type MarkReadRequest = z.infer<typeof MarkReadRequest>;

export const ListConversationsQuery = z.strictObject({
  limit: LimitQueryField.optional(),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListConversationsQuery = z.infer<typeof ListConversationsQuery>;

export const ListMessagesQuery = z
  .strictObject({
    limit: LimitQueryField.optional(),
    after: IdField.optional(),
    before: IdField.optional(),
  })
  .refine((q) => q.after === undefined || q.before === undefined, {
    message: 'must not be given together with before',
    path: ['after'],
  });
export type ListMessagesQuery = z.infer<typeof ListMessagesQuery>;

export const ConversationIdParams = z.strictObject({ id: IdField });
