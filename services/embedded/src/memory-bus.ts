import { EVENTS_STREAM, MESSAGES_STREAM } from '@switchboard/protocol';
import type { Publisher } from '@switchboard/messages';
import type { FanoutHandler, FanoutSource } from '@switchboard/gateway';
import type { SourceEvent, WebhookEventSource } from '@switchboard/webhooks';

/** Like JetStream's duplicate window: a message id seen within it is not delivered again. */
const DUPLICATE_WINDOW_MS = MESSAGES_STREAM.duplicateWindowMs;
/** Events kept per stream and consumer while it does not take them. */
const MAX_BUFFERED = 10_000;
/** The wait before an event whose handling failed is offered again to an acking consumer (the webhooks). */
const REOFFER_DELAY_MS = 1000;
/** Events handed to an acking consumer at most at once. */
const HANDLE_BATCH = 200;

export interface MemoryBus {
  /** The messages service's side: what the outbox relay publishes to. */
  readonly publisher: Publisher;
  /** The gateway's side of `MESSAGES` (`message.*`): where its fan-out takes events from. */
  readonly fanout: FanoutSource;
  /** The gateway's side of `EVENTS` (`conversation.*`, `app.*` such as `app.credentials_revoked`). */
  readonly events: FanoutSource;
  /**
   * The webhooks service's side of both streams (its two durable consumers in one): every event, whatever the
   * gateway took, from its first `start()` on; each is offered again until `handle` resolves.
   */
  readonly webhooks: WebhookEventSource;
}

/** A stream's subjects (`message.>`) as subject prefixes (`message.`). */
const prefixesOf = (subjects: readonly string[]) => subjects.map((s) => s.replace(/>$/, ''));

/**
 * The embedded stand-in for NATS JetStream (`npm start` without `NATS_URL`): one process, so a queue per stream
 * and consumer group (the gateway's, the webhooks'), chosen by subject as JetStream's streams capture them
 * (`MESSAGES`, `EVENTS`); each group gets every event of its stream, as each durable consumer does. It de-duplicates by message id within a window and keeps events while no gateway listens, as the
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
        stream.push({ id: msgId, subject, payload: JSON.parse(decoder.decode(data)), storedAt: new Date(now) });
        seen.set(msgId, now);
        return { duplicate: false };
      },
    },
    fanout: messages.source,
    events: events.source,
    webhooks: createAckedSource(streams),
  };
}

interface Queue {
  captures(subject: string): boolean;
  /** Throws when a group's queue is full (its consumer takes no events). */
  push(event: SourceEvent): void;
  /** A consumer group that gets every event pushed from now on (a durable consumer created now). */
  addGroup(): EventQueue;
  readonly source: FanoutSource;
}

/** One consumer group's events, in order. */
interface EventQueue {
  readonly events: SourceEvent[];
  /** Called after an event was queued. */
  onPush: () => void;
}

/** One stream: the gateway's group (from the start, as its consumer) and the groups added later. */
function createQueue(name: string, prefixes: readonly string[]): Queue {
  const groups: EventQueue[] = [];
  const addGroup = (): EventQueue => {
    const group: EventQueue = { events: [], onPush: () => {} };
    groups.push(group);
    return group;
  };
  const gateway = addGroup();
  const queue = gateway.events;
  let active: FanoutHandler | undefined;
  let scheduled = false;
  const deliver = () => {
    scheduled = false;
    while (active && queue.length > 0) {
      const event = queue.shift()!;
      active(event.subject, event.payload);
    }
  };
  const schedule = () => {
    if (scheduled || !active) return;
    scheduled = true;
    setImmediate(deliver);
  };
  gateway.onPush = schedule;
  return {
    captures: (subject) => prefixes.some((prefix) => subject.startsWith(prefix)),
    push(event) {
      const full = groups.find((g) => g.events.length >= MAX_BUFFERED);
      if (full) throw new Error(`the embedded bus is full: ${full === gateway ? 'no gateway' : 'a consumer'} is taking ${name} events`);
      for (const group of groups) {
        group.events.push(event);
        group.onPush();
      }
    },
    addGroup,
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
 * A consumer that acks (the webhooks'): its groups exist from its first `start()` and keep events while it is
 * stopped; each stream's events are handed over in order, all that wait (up to `HANDLE_BATCH`) at once, and stay
 * first in line until `handle` resolves (offered again after `REOFFER_DELAY_MS` when it rejects).
 */
function createAckedSource(streams: readonly Queue[]): WebhookEventSource {
  let groups: EventQueue[] | undefined;
  let handle: ((events: readonly SourceEvent[]) => Promise<void>) | undefined;
  const draining = new Map<EventQueue, Promise<void>>();

  const drain = (group: EventQueue) => {
    if (draining.has(group) || !handle) return;
    const run = async () => {
      while (handle && group.events.length > 0) {
        const batch = group.events.slice(0, HANDLE_BATCH);
        try {
          await handle(batch);
          group.events.splice(0, batch.length);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, REOFFER_DELAY_MS));
        }
      }
    };
    draining.set(
      group,
      run().finally(() => {
        draining.delete(group);
        // An event pushed while the last one was being handled.
        if (handle && group.events.length > 0) drain(group);
      }),
    );
  };

  return {
    async start(next) {
      groups ??= streams.map((stream) => stream.addGroup());
      handle = next;
      for (const group of groups) {
        group.onPush = () => drain(group);
        drain(group);
      }
    },
    async stop() {
      handle = undefined;
      await Promise.all(draining.values());
    },
  };
}
