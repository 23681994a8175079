import { ConversationUpdatedEvent } from '@switchboard/protocol';
import type { FanoutResult } from '../fanout/fanout-handler.js';
import type { Broadcaster } from '../socket/broadcaster.js';

/**
 * The `EVENTS` route of `conversation.updated` (status, snooze, assignment; CONTRACT.md, "Conversation workflow"):
 * the shared `gateway-events` consumer hands each change to one node, which emits `conversation:updated` once per
 * namespace through the broadcaster; the adapter carries it to every node's sockets in those rooms.
 */
export function createConversationUpdateRoute(broadcaster: Broadcaster): (data: unknown) => FanoutResult {
  return (data) => {
    const parsed = ConversationUpdatedEvent.safeParse(data);
    if (!parsed.success) return 'malformed';
    broadcaster.conversationUpdated(parsed.data);
    return 'emitted';
  };
}
