import type { SocketConversationUpdate, UpdateConversationRequest } from '@switchboard/protocol';
import { RequestError } from './errors.js';

/**
 * An agent's change of a conversation (CONTRACT.md, "Conversation workflow"): any of `status`, `snoozed_until` (an
 * ISO 8601 time or a `Date`; needed with `snoozed`, refused with `open` and `closed`) and `assignee_id` (an agent id;
 * `null` unassigns). The server checks the rules; a refusal rejects with its code.
 */
export type ConversationChanges = Omit<UpdateConversationRequest, 'snoozed_until'> & {
  readonly snoozed_until?: string | Date | null | undefined;
};

/** The admin socket's `conversation:update` for `changes`; an invalid `Date` is refused here (`VALIDATION_FAILED`). */
export function conversationUpdate(conversationId: string, changes: ConversationChanges): SocketConversationUpdate {
  const { snoozed_until: until, ...others } = changes;
  if (until instanceof Date && Number.isNaN(until.getTime())) {
    throw new RequestError('VALIDATION_FAILED', 'snoozed_until: not a valid date', 'conversation:update');
  }
  return {
    conversation_id: conversationId,
    ...others,
    ...(until === undefined ? {} : { snoozed_until: until instanceof Date ? until.toISOString() : until }),
  };
}
