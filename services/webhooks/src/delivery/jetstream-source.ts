import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@switchboard/logger';
import type { NatsNames } from '@switchboard/protocol';
import { sleep } from '@switchboard/runtime';
import type { SourceEvent, WebhookEventSource } from './delivery-engine.js';

const nanos = (ms: number) => ms * 1_000_000;
/** How long one pull stays open; `stop()` waits at most about this. */
const PULL_EXPIRES_MS = 1000;
/** Events per pull. */
const PULL_BATCH = 500;
/** Events handed to `handle` at most at once. */
const HANDLE_BATCH = 200;

type Handle = (events: readonly SourceEvent[]) => Promise<void>;
/** An event handed out and not acked within this long goes to another replica (a crashed one's). */
export const WEBHOOKS_ACK_WAIT_MS = 30_000;

export interface JetStreamEventSourceOptions {
  readonly nc: NatsConnection;
  readonly names: NatsNames;
  readonly logger: Logger;
  /** The wait before a failed consumer is attached again, and before an event whose handling failed is offered again. */
  readonly retryDelayMs: number;
}

/**
 * The webhooks' side of JetStream: two durable pull consumers every replica shares, `webhooks-messages` on
 * `MESSAGES` and `webhooks-events` on `EVENTS` (prefixed by `natsNames`), created if missing with explicit acks and
 * no limit on redeliveries. Events are handed to `handle` in stream order, as many as wait at once, and acked only
 * once `handle` resolved (their rows committed); when it rejects (Postgres away), those events and the rest of the
 * pull are put back with a delay and offered again, so none is lost. A replica killed while holding events: they go to another after
 * `WEBHOOKS_ACK_WAIT_MS`. The event id is the `Nats-Msg-Id` header (the outbox's `msg_id`).
 */
export function createJetStreamEventSource(options: JetStreamEventSourceOptions): WebhookEventSource {
  const log = options.logger.child({ component: 'webhooks-source' });
  const { names } = options;
  const consumers = [
    { stream: names.streams.messages, durable: names.consumers.webhooksMessages, filter: names.streamSubjects.messages[0] },
    { stream: names.streams.events, durable: names.consumers.webhooksEvents, filter: undefined },
  ];
  let running = false;
  let stopping = new AbortController();
  let loops: Promise<void>[] = [];

  const pause = (ms: number) => (running ? sleep(ms, stopping.signal) : Promise.resolve());

  const ensureConsumer = async (c: (typeof consumers)[number]) => {
    const jsm = await jetstreamManager(options.nc);
    try {
      await jsm.consumers.info(c.stream, c.durable);
    } catch {
      await jsm.consumers.add(c.stream, {
        durable_name: c.durable,
        ack_policy: AckPolicy.Explicit,
        // A new environment starts from what is published after the service first ran (no endpoint existed before).
        deliver_policy: DeliverPolicy.New,
        ...(c.filter ? { filter_subject: c.filter } : {}),
        ack_wait: nanos(WEBHOOKS_ACK_WAIT_MS),
        max_ack_pending: 10_000,
        max_deliver: -1,
      });
      log.info({ consumer: c.durable }, 'created the shared consumer');
    }
  };

  const toEvent = (m: JsMsg): SourceEvent => {
    let payload: unknown;
    try {
      payload = m.json();
    } catch {
      payload = undefined;
    }
    return {
      id: m.headers?.get('Nats-Msg-Id') || `${m.info.stream}:${m.seq}`,
      subject: names.contractSubject(m.subject) ?? m.subject,
      payload,
      storedAt: m.time,
    };
  };

  /**
   * Hands a pull's messages to `handle` as they arrive, all that wait at once (one at a time when they trickle, a
   * batch in a burst), acking each batch once `handle` resolved. After a failure, that batch and every later
   * message of the pull are put back with a delay, so the stream's order holds. Resolves when the pull ended and
   * its messages are acked or put back, with whether something failed.
   */
  const handleAsTheyCome = async (pull: AsyncIterable<JsMsg>, handle: Handle, durable: string): Promise<boolean> => {
    const waiting: JsMsg[] = [];
    let failed = false;
    let worker: Promise<void> | undefined;
    const work = async () => {
      while (waiting.length > 0) {
        const batch = waiting.splice(0, HANDLE_BATCH);
        if (failed || !running) {
          for (const m of batch) m.nak(options.retryDelayMs);
          continue;
        }
        try {
          await handle(batch.map(toEvent));
          for (const m of batch) m.ack();
        } catch (error) {
          failed = true;
          for (const m of batch) m.nak(options.retryDelayMs);
          log.debug({ err: error, consumer: durable, events: batch.length }, 'handling events failed; put back');
        }
      }
    };
    const kick = () => {
      worker ??= work().finally(() => {
        worker = undefined;
        if (waiting.length > 0) kick();
      });
    };
    try {
      for await (const m of pull) {
        waiting.push(m);
        kick();
      }
    } catch (error) {
      // nats.js ends a pull that went silent this way; the consumer is fine: pull again.
      if (!(error instanceof Error && error.message === 'heartbeats missed')) {
        while (worker) await worker;
        throw error;
      }
    }
    while (worker) await worker;
    return failed;
  };

  const consume = async (c: (typeof consumers)[number], handle: Handle, firstTry: () => void) => {
    let failures = 0;
    while (running) {
      try {
        await ensureConsumer(c).finally(firstTry);
        const consumer = await jetstream(options.nc).consumers.get(c.stream, c.durable);
        if (failures > 0) log.info({ consumer: c.durable }, 'shared consumer running again');
        failures = 0;
        while (running) {
          const pull = await consumer.fetch({ max_messages: PULL_BATCH, expires: PULL_EXPIRES_MS });
          const failed = await handleAsTheyCome(pull, handle, c.durable);
          if (failed) await pause(options.retryDelayMs);
        }
      } catch (error) {
        failures++;
        if (running) log[failures === 1 ? 'warn' : 'debug']({ err: error, failures, consumer: c.durable }, 'shared consumer failed; retrying');
      }
      if (running) await pause(options.retryDelayMs);
    }
  };

  return {
    async start(handle) {
      if (running) return;
      running = true;
      stopping = new AbortController();
      // Resolves once each consumer exists (or its first attempt failed: it keeps trying in the background).
      const tried: Promise<void>[] = [];
      loops = consumers.map((c) => {
        let firstTry = () => {};
        tried.push(new Promise<void>((resolve) => (firstTry = resolve)));
        return consume(c, handle, () => firstTry());
      });
      await Promise.all(tried);
    },
    async stop() {
      running = false;
      stopping.abort();
      await Promise.all(loops);
      loops = [];
    },
  };
}
