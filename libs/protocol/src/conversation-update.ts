import { z } from 'zod';
import { IdField, UserIdField } from './fields.js';
import { ConversationStatus } from './models.js';

/**
 * The workflow fields an agent may change (CONTRACT.md, "Conversation workflow"): `PATCH /v1/conversations/:id`
 * and the admin socket's `conversation:update` share them and the rules below. `snoozed_until` takes any ISO 8601
 * time with a zone (`Z` or an offset); it is stored and answered in UTC.
 */
export const ConversationUpdateFields = {
  status: ConversationStatus.optional(),
  snoozed_until: z.iso.datetime({ offset: true }).nullable().optional(),
  /** An agent id (an agent token's `sub`); `null` unassigns. */
  assignee_id: UserIdField.nullable().optional(),
};

interface UpdateShape {
  status?: ConversationStatus | undefined;
  snoozed_until?: string | null | undefined;
  assignee_id?: string | null | undefined;
}

/**
 * The rules that need no clock and no stored row: something to change; `snoozed` needs a `snoozed_until`; a
 * `snoozed_until` with `open` or `closed` is refused. Whether the time is in the future, and a `snoozed_until`
 * alone (it re-times a conversation that is already snoozed), are the domain's to check.
 */
export function checkConversationUpdate(update: UpdateShape, ctx: z.core.$RefinementCtx<UpdateShape>): void {
  if (update.status === undefined && update.snoozed_until === undefined && update.assignee_id === undefined) {
    ctx.addIssue({ code: 'custom', path: ['status'], message: 'or snoozed_until or assignee_id is required' });
  }
  if (update.status === 'snoozed' && (update.snoozed_until === undefined || update.snoozed_until === null)) {
    ctx.addIssue({ code: 'custom', path: ['snoozed_until'], message: 'is required with status snoozed' });
  }
  if ((update.status === 'open' || update.status === 'closed') && update.snoozed_until !== undefined && update.snoozed_until !== null) {
    ctx.addIssue({ code: 'custom', path: ['snoozed_until'], message: `must not be given with status ${update.status}` });
  }
}

/** `PATCH /v1/conversations/:id`. */
export const UpdateConversationRequest = z
  .strictObject(ConversationUpdateFields)
  .superRefine(checkConversationUpdate)
  .meta({ id: 'UpdateConversationRequest' });
export type UpdateConversationRequest = z.infer<typeof UpdateConversationRequest>;

/** The admin socket's `conversation:update`: the same fields and rules, naming the conversation. */
export const SocketConversationUpdate = z
  .strictObject({ conversation_id: IdField, ...ConversationUpdateFields })
  .superRefine(checkConversationUpdate);
export type SocketConversationUpdate = z.infer<typeof SocketConversationUpdate>;

/** What a client (a device or a signed-in user) may change: close its conversation, nothing else (else `FORBIDDEN`). */
export const isClientUpdate = (update: UpdateShape): boolean =>
  update.status === 'closed' && update.snoozed_until === undefined && update.assignee_id === undefined;
