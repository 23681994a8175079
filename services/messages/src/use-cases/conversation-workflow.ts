import type { Kysely } from 'kysely';
import { isClientUpdate, WORKFLOW, type Conversation, type Principal, type UpdateConversationRequest } from '@switchboard/protocol';
import type { ConversationRow, Database } from '../db/schema.js';
import { conversationUpdatedEvent } from '../domain/conversation-events.js';
import { AppError, notFound, validationFailed } from '../domain/errors.js';
import { toConversation } from '../domain/mappers.js';
import { sideOf } from '../domain/principal.js';
import { isVisibleTo, lockConversations, updateWorkflowState, type WorkflowState } from '../repositories/conversations.js';
import { enqueueOutboxEvents, notifyEach, type OutboxWake } from '../repositories/outbox.js';

/** The fields of a workflow change, as `PATCH /v1/conversations/:id` and the admin socket validated them. */
export type ConversationUpdate = Pick<UpdateConversationRequest, 'status' | 'snoozed_until' | 'assignee_id'>;

/**
 * Changes a conversation's `status`, `snoozed_until` or `assignee_id` (CONTRACT.md, workflow), for `PATCH
 * /v1/conversations/:id` and the admin socket's `conversation:update`. In one transaction: lock the row; one the
 * principal cannot see is `NOT_FOUND` (another app's, another device's); a client may only close (`FORBIDDEN`);
 * the state after the change is worked out (`nextWorkflowState`); a change that changes nothing answers the
 * conversation and writes nothing; otherwise one UPDATE (`updated_at`, never `activity`) and its
 * `conversation.updated` outbox event. Once it committed, `wake` tells the outbox relay.
 */
export async function updateConversation(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
  update: ConversationUpdate,
  wake: OutboxWake = notifyEach(db),
): Promise<Conversation> {
  const { row, changed } = await db.transaction().execute(async (trx) => {
    const [locked] = await lockConversations(trx, [id]);
    if (!locked || !isVisibleTo(locked, principal)) throw notFound('conversation');
    if (principal.kind !== 'agent' && !isClientUpdate(update)) {
      throw new AppError('FORBIDDEN', 'a client may only close its conversation: send { "status": "closed" }');
    }
    const next = nextWorkflowState(locked, update, Date.now());
    if (sameWorkflowState(locked, next)) return { row: locked, changed: false };
    const updated = await updateWorkflowState(trx, id, next);
    await enqueueOutboxEvents(trx, [conversationUpdatedEvent(updated)]);
    return { row: updated, changed: true };
  });
  if (changed) wake();
  return toConversation(row, sideOf(principal));
}

/**
 * The workflow state after `update` (the schema already refused `snoozed` without a time and a time with `open` or
 * `closed`): a new status clears `snoozed_until` unless it is `snoozed`; a `snoozed_until` alone re-times a
 * conversation that is snoozed (any other: 400); `assignee_id: null` unassigns. A time must be in the future and at
 * most `WORKFLOW.snoozeMaxSeconds` ahead, by this service's clock.
 */
export function nextWorkflowState(row: WorkflowState, update: ConversationUpdate, nowMs: number): WorkflowState {
  let { status, snoozed_until } = row;
  if (update.status !== undefined) {
    status = update.status;
    snoozed_until = status === 'snoozed' ? snoozeTime(update.snoozed_until!, nowMs) : null;
  } else if (update.snoozed_until !== undefined) {
    if (row.status !== 'snoozed') {
      throw validationFailed([{ path: 'snoozed_until', message: 'alone re-times a snoozed conversation; this one is not: send status "snoozed" with it' }], 'body');
    }
    if (update.snoozed_until === null) {
      throw validationFailed([{ path: 'snoozed_until', message: 'must be a time while the conversation is snoozed: send status "open" to wake it' }], 'body');
    }
    snoozed_until = snoozeTime(update.snoozed_until, nowMs);
  }
  const assignee_id = update.assignee_id === undefined ? row.assignee_id : update.assignee_id;
  return { status, snoozed_until, assignee_id };
}

function snoozeTime(value: string, nowMs: number): Date {
  const at = new Date(value);
  if (!(at.getTime() > nowMs)) {
    throw validationFailed([{ path: 'snoozed_until', message: 'must be in the future' }], 'body');
  }
  if (at.getTime() > nowMs + WORKFLOW.snoozeMaxSeconds * 1000) {
    throw validationFailed([{ path: 'snoozed_until', message: `must be at most ${WORKFLOW.snoozeMaxSeconds} seconds ahead` }], 'body');
  }
  return at;
}

function sameWorkflowState(row: Pick<ConversationRow, keyof WorkflowState>, next: WorkflowState): boolean {
  return (
    row.status === next.status &&
    row.assignee_id === next.assignee_id &&
    (row.snoozed_until?.getTime() ?? null) === (next.snoozed_until?.getTime() ?? null)
  );
}
