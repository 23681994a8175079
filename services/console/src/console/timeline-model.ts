import type { Message, MessageStatusPayload } from '@switchboard/protocol';
import { STATUS_RANK } from '../shared/message-model.js';

/**
 * The messages after a `message:status`: every message up to `message_id` that `reader`'s side did not send now
 * has `status` (CONTRACT.md). A marker that names a message not loaded (older than the history shown) moves
 * nothing it cannot place.
 */
export function applyStatus(shown: readonly Message[], payload: MessageStatusPayload): Message[] {
  const upTo = shown.find((m) => m.id === payload.message_id)?.seq;
  if (upTo === undefined) return [...shown];
  const readerSent = payload.reader === 'user' ? 'user' : 'agent';
  return shown.map((m) =>
    m.seq <= upTo && m.sender !== readerSent && m.sender !== 'system' && STATUS_RANK[m.status] < STATUS_RANK[payload.status]
      ? { ...m, status: payload.status }
      : m,
  );
}

/** The newest message from the customer, the one the agents' read marker moves to. */
export function newestFromCustomer(shown: readonly Message[]): Message | undefined {
  for (let i = shown.length - 1; i >= 0; i--) if (shown[i]!.sender === 'user') return shown[i];
  return undefined;
}
