import type { Message, MessageStatusPayload } from '@switchboard/protocol';

/**
 * A conversation's messages as the console shows them: each once (by id), in `seq` order, whatever way it came
 * (a history page, `message:new`, the SDK's gap fill, the same again after a reload).
 */
export function mergeMessages(shown: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(shown.map((m) => [m.id, m]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    // A copy heard later may be staler than one marked read since: keep the furthest status.
    byId.set(message.id, known && STATUS_RANK[known.status] > STATUS_RANK[message.status] ? known : message);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

const STATUS_RANK: Record<Message['status'], number> = { sent: 0, delivered: 1, read: 2 };

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
