import { describe, expect, it } from 'vitest';
import { createLogger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import { SUBJECTS, type ConversationUpdatedEvent } from '@switchboard/protocol';
import { createGatewayMetrics } from '../metrics.js';
import type { Broadcaster } from '../socket/broadcaster.js';
import { createConversationUpdateRoute } from './conversation-updates.js';
import { createEventsHandler } from './events-handler.js';

const event: ConversationUpdatedEvent = {
  app_id: 'app_1',
  conversation: {
    id: 'conv_1',
    app_id: 'app_1',
    device_id: 'phone',
    user_id: null,
    status: 'closed',
    snoozed_until: null,
    assignee_id: 'agent-7',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:01:00.000Z',
    last_message_id: null,
    last_message_at: null,
    unread_count: 2,
  },
  user_unread_count: 1,
};

/** The events handler with the `conversation.updated` route, on a broadcaster that records what it is asked. */
function handlerRecording() {
  const registry = createMetricsRegistry();
  const metrics = createGatewayMetrics(registry, { connectionCount: () => 0, natsPending: async () => undefined, roomSubscriptions: () => 0, fanoutPulling: () => ({ messages: true, events: true }) });
  const updates: ConversationUpdatedEvent[] = [];
  const broadcaster = { conversationUpdated: (e: ConversationUpdatedEvent) => void updates.push(e) } as Broadcaster;
  const handle = createEventsHandler(
    { [SUBJECTS.conversationUpdated]: createConversationUpdateRoute(broadcaster) },
    metrics,
    createLogger({ service: 'test', level: 'silent' }),
  );
  const counted = async (result: string) =>
    (await registry.getSingleMetric('switchboard_gateway_fanout_messages_total')!.get()).values.find(
      (v) => v.labels.subject === SUBJECTS.conversationUpdated && v.labels.result === result,
    )?.value;
  return { handle, updates, counted };
}

describe('conversation.updated route', () => {
  it('events - a valid conversation.updated goes to the broadcaster once and is counted emitted', async () => {
    const { handle, updates, counted } = handlerRecording();
    expect(handle(SUBJECTS.conversationUpdated, structuredClone(event))).toBe('emitted');
    expect(updates).toEqual([event]);
    expect(await counted('emitted')).toBe(1);
  });

  it('events - a malformed conversation.updated is dropped as malformed and reaches no one', async () => {
    const { handle, updates, counted } = handlerRecording();
    const { user_unread_count: _, ...withoutUserCount } = event;
    for (const bad of [
      withoutUserCount,
      { ...event, conversation: { ...event.conversation, status: 'sleeping' } },
      { ...event, user_unread_count: -1 },
      { ...event, conversation: { id: 'conv_1' } },
      'not an object',
    ]) {
      expect(handle(SUBJECTS.conversationUpdated, bad)).toBe('malformed');
    }
    expect(updates).toEqual([]);
    expect(await counted('malformed')).toBe(5);
  });
});
