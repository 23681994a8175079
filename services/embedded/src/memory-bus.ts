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
  /** The gateway's side: where its fan-out takes events from. */
  readonly fanout: FanoutSource;
}

/**
 * The embedded stand-in for NATS JetStream (`npm start` without `NATS_URL`): one process, so a queue between the
 * outbox relay and the gateway. It de-duplicates by message id within a window and keeps events while no gateway
 * listens, as the stream would. Same contract as JetStream (`bus-contract.int.test.ts`).
 */
export function createMemoryBus(): MemoryBus {
  const windowMs = DUPLICATE_WINDOW_MS;
  const maxBuffered = MAX_BUFFERED;
  const seen = new Map<string, number>(); // msg id → time, in insertion order
  const queue: { subject: string; data: unknown }[] = [];
  let active: FanoutHandler | undefined;
  let scheduled = false;

  const forget = (now: number) => {
    for (const [id, at] of seen) {
      if (now - at < windowMs) break;
      seen.delete(id);
    }
  };
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
  const decoder = new TextDecoder();

  return {
    publisher: {
      async publish(subject, data, msgId) {
        const now = Date.now();
        forget(now);
        if (seen.has(msgId)) return { duplicate: true };
        if (queue.length >= maxBuffered) throw new Error('the embedded bus is full: no gateway is taking events');
        seen.set(msgId, now);
        queue.push({ subject, data: JSON.parse(decoder.decode(data)) });
        schedule();
        return { duplicate: false };
      },
    },
    fanout: {
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
