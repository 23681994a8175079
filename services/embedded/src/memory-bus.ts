import { MESSAGES_STREAM } from '@switchboard/protocol';
import type { Publisher } from '@switchboard/messages';
import type { FanoutHandler, FanoutSource } from '@switchboard/gateway';

/** Like JetStream's duplicate window: a message id seen within it is not delivered again. */
const DUPLICATE_WINDOW_MS = MESSAGES_STREAM.duplicateWindowMs;
/** Events kept while no gateway listens. */
const MAX_BUFFERED = 10_000;

export interface MemoryBus {
  /** The messages service's side: what the outbox relay publishes to. */
  readonly publisher: Publisher;
  /** The gateway's side: where its fan-out takes message events from (`message.>`, the `MESSAGES` stream's). */
  readonly fanout: FanoutSource;
  /** The gateway's side: where its events consumer takes the rest from (`app.>`, `conversation.>`: the `EVENTS` stream's). */
  readonly events: FanoutSource;
}

/** One consumer's queue: events kept while no gateway listens, handed over in order once one does. */
interface Channel {
  readonly source: FanoutSource;
  readonly queue: { subject: string; data: unknown }[];
  schedule(): void;
}

function createChannel(): Channel {
  const queue: { subject: string; data: unknown }[] = [];
  let active: FanoutHandler | undefined;
  let scheduled = false;
  const deliver = () => {
    scheduled = false;
    while (active && queue.length > 0) {
      const event = queue.shift()!;
      active(event.subject, event.data);
    }
  };
  const schedule = () => {
    if (scheduled || !active) return;
    scheduled = true;
    setImmediate(deliver);
  };
  return {
    queue,
    schedule,
    source: {
      start(handle) {
        active = handle;
        schedule();
      },
      async stop() {
        active = undefined;
      },
      pending: async () => queue.length,
      ready: () => active !== undefined,
    },
  };
}

/**
 * The embedded stand-in for NATS JetStream (`npm start` without `NATS_URL`): one process, so a queue between the
 * outbox relay and the gateway. It de-duplicates by message id within a window and keeps events while no gateway
 * listens, as the stream would. Message events go to the fan-out, the others (`app.>`, `conversation.>`) to the
 * gateway's events consumer, as the two streams would. Same contract as JetStream (`bus-contract.int.test.ts`).
 */
export function createMemoryBus(): MemoryBus {
  const windowMs = DUPLICATE_WINDOW_MS;
  const maxBuffered = MAX_BUFFERED;
  const seen = new Map<string, number>(); // msg id → time, in insertion order
  // Like the two streams and their two gateway consumers: message events, and the others.
  const messages = createChannel();
  const events = createChannel();
  const channelOf = (subject: string) => (MESSAGES_STREAM.subjects.some((s) => subject.startsWith(s.slice(0, -1))) ? messages : events);

  const forget = (now: number) => {
    for (const [id, at] of seen) {
      if (now - at < windowMs) break;
      seen.delete(id);
    }
  };
  const decoder = new TextDecoder();

  return {
    publisher: {
      async publish(subject, data, msgId) {
        const now = Date.now();
        forget(now);
        if (seen.has(msgId)) return { duplicate: true };
        const channel = channelOf(subject);
        if (channel.queue.length >= maxBuffered) throw new Error('the embedded bus is full: no gateway is taking events');
        seen.set(msgId, now);
        channel.queue.push({ subject, data: JSON.parse(decoder.decode(data)) });
        channel.schedule();
        return { duplicate: false };
      },
    },
    fanout: messages.source,
    events: events.source,
  };
}
