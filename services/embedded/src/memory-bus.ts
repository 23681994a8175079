import { EVENTS_STREAM, MESSAGES_STREAM } from '@switchboard/protocol';
import type { Publisher } from '@switchboard/messages';
import type { FanoutHandler, FanoutSource } from '@switchboard/gateway';

/** Like JetStream's duplicate window: a message id seen within it is not delivered again. */
const DUPLICATE_WINDOW_MS = MESSAGES_STREAM.duplicateWindowMs;
/** Events kept per stream while no gateway listens. */
const MAX_BUFFERED = 10_000;

export interface MemoryBus {
  /** The messages service's side: what the outbox relay publishes to. */
  readonly publisher: Publisher;
  /** The gateway's side of `MESSAGES` (`message.*`): where its fan-out takes events from. */
  readonly fanout: FanoutSource;
  /** The gateway's side of `EVENTS` (`conversation.*`, `app.*` such as `app.credentials_revoked`). */
  readonly events: FanoutSource;
}

/** A stream's subjects (`message.>`) as subject prefixes (`message.`). */
const prefixesOf = (subjects: readonly string[]) => subjects.map((s) => s.replace(/>$/, ''));

/**
 * The embedded stand-in for NATS JetStream (`npm start` without `NATS_URL`): one process, so a queue per stream
 * between the outbox relay and the gateway, chosen by subject as JetStream's streams capture them (`MESSAGES`,
 * `EVENTS`). It de-duplicates by message id within a window and keeps events while no gateway listens, as the
 * streams would; a subject no stream captures is refused, as JetStream refuses it. Same contract as JetStream
 * (`bus-contract.int.test.ts`).
 */
export function createMemoryBus(): MemoryBus {
  const windowMs = DUPLICATE_WINDOW_MS;
  const seen = new Map<string, number>(); // msg id → time, in insertion order
  const messages = createQueue('MESSAGES', prefixesOf(MESSAGES_STREAM.subjects));
  const events = createQueue('EVENTS', prefixesOf(EVENTS_STREAM.subjects));
  const streams = [messages, events];

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
        const stream = streams.find((s) => s.captures(subject));
        if (!stream) throw new Error(`no stream captures the subject ${subject}`);
        const now = Date.now();
        forget(now);
        if (seen.has(msgId)) return { duplicate: true };
        stream.push(subject, JSON.parse(decoder.decode(data)));
        seen.set(msgId, now);
        return { duplicate: false };
      },
    },
    fanout: messages.source,
    events: events.source,
  };
}

interface Queue {
  captures(subject: string): boolean;
  /** Throws when the queue is full (no gateway takes its events). */
  push(subject: string, data: unknown): void;
  readonly source: FanoutSource;
}

/** One stream's events, handed in order to the one source that takes them. */
function createQueue(name: string, prefixes: readonly string[]): Queue {
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
    captures: (subject) => prefixes.some((prefix) => subject.startsWith(prefix)),
    push(subject, data) {
      if (queue.length >= MAX_BUFFERED) throw new Error(`the embedded bus is full: no gateway is taking ${name} events`);
      queue.push({ subject, data });
      schedule();
    },
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
