import type { Message } from '@switchboard/protocol';

/**
 * The widget's conversation as the customer sees it: each message once (by id), in `seq` order, whatever way it
 * came (the newest page, `message:new`, the SDK's gap fill, the same again after a reload).
 */
export function mergeMessages(shown: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(shown.map((m) => [m.id, m]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    // A copy heard later may be staler than one the agents read since: keep the furthest status.
    byId.set(message.id, known && RANK[known.status] > RANK[message.status] ? known : message);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

const RANK: Record<Message['status'], number> = { sent: 0, delivered: 1, read: 2 };

/**
 * The messages after the agents read up to `messageId` (`message:status` with `reader: "agent"`): the customer's
 * own messages up to it are `read`. `undefined` when `messageId` is not shown (read the newest page again then).
 */
export function readByAgents(shown: readonly Message[], messageId: string): Message[] | undefined {
  const upTo = shown.find((m) => m.id === messageId);
  if (!upTo) return undefined;
  return shown.map((m) => (m.sender === 'user' && m.seq <= upTo.seq && m.status !== 'read' ? { ...m, status: 'read' } : m));
}

/** The newest message the customer did not send (what the widget marks read), if any. */
export function newestFromAgents(shown: readonly Message[]): Message | undefined {
  for (let i = shown.length - 1; i >= 0; i--) if (shown[i]!.sender !== 'user') return shown[i];
  return undefined;
}

/** How an own message's status reads under it. */
export function receiptOf(message: Message): string {
  return message.status === 'read' ? 'Read' : message.status === 'delivered' ? 'Delivered' : 'Sent';
}
