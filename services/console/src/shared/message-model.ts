import type { Message } from '@switchboard/protocol';

/** How far along a message's status is: a status never moves back. */
export const STATUS_RANK: Readonly<Record<Message['status'], number>> = { sent: 0, delivered: 1, read: 2 };

/**
 * A conversation's messages as both pages show them: each once (by id), in `seq` order, whatever way it came (a
 * history page, `message:new`, the SDK's gap fill, the same again after a reload).
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

/** How an own message's status reads under it. */
export function receiptOf(message: Message): string {
  return message.status === 'read' ? 'Read' : message.status === 'delivered' ? 'Delivered' : 'Sent';
}
