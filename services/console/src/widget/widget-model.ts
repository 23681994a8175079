import type { Message } from '@switchboard/protocol';

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
