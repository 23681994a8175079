import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  FANOUT_CONSUMER,
  MESSAGES_STREAM,
  MessageCreatedEvent,
  MessageStatusEvent,
  SUBJECTS,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import type { Broadcaster } from './broadcaster.js';

const nanos = (ms: number) => ms * 1_000_000;

export interface FanoutConsumerOptions {
  readonly nc: NatsConnection;
  readonly broadcaster: Broadcaster;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** False while the adapter cannot publish: messages are put back for later (or another node) instead. */
  readonly canEmit: () => boolean;
  /** @default 2000 */
  readonly retryDelayMs?: number;
}

export interface FanoutConsumer {
  start(): void;
  /** Stops pulling; messages in hand are emitted and acked, the rest go to other nodes. */
  stop(): Promise<void>;
  /** Pending + unacknowledged messages of the shared consumer. */
  pending(): Promise<number | undefined>;
}

/**
 * Every gateway pulls from one durable JetStream consumer (`gateway-fanout`), so each event is handled by one node,
 * which emits it to the rooms through the adapter (reaching sockets on every node) and acks it afterwards. A
 * redelivery may emit an event twice; clients de-duplicate by id.
 */
export function createFanoutConsumer(options: FanoutConsumerOptions): FanoutConsumer {
  const log = options.logger.child({ component: 'fanout' });
  const { metrics, broadcaster } = options;
  const retryDelay = options.retryDelayMs ?? 2000;
  let running = false;
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const ensureConsumer = async () => {
    const jsm = await jetstreamManager(options.nc);
    try {
      await jsm.consumers.info(MESSAGES_STREAM.name, FANOUT_CONSUMER);
    } catch {
      await jsm.consumers.add(MESSAGES_STREAM.name, {
        durable_name: FANOUT_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        // One filter subject (NATS 2.9 has no filter_subjects): every message event.
        filter_subject: 'message.>',
        ack_wait: nanos(30_000),
        max_ack_pending: 20_000,
        max_deliver: -1,
      });
      log.info('created the shared fan-out consumer');
    }
  };

  const handle = (m: JsMsg) => {
    if (!options.canEmit()) {
      metrics.fanoutProcessed.inc({ subject: m.subject, result: 'deferred' });
      m.nak(1000);
      return;
    }
    let data: unknown;
    try {
      data = m.json();
    } catch {
      data = undefined;
    }
    if (m.subject === SUBJECTS.messageCreated) {
      const parsed = MessageCreatedEvent.safeParse(data);
      if (!parsed.success) return poison(m);
      broadcaster.messageCreated(parsed.data);
      metrics.fanoutLag.observe({ event: 'message:new' }, Math.max(0, (Date.now() - Date.parse(parsed.data.created_at)) / 1000));
    } else if (m.subject === SUBJECTS.messageStatus) {
      const parsed = MessageStatusEvent.safeParse(data);
      if (!parsed.success) return poison(m);
      broadcaster.messageStatus(parsed.data);
    } else {
      // A subject this version does not know: not ours to fan out.
      metrics.fanoutProcessed.inc({ subject: 'other', result: 'ignored' });
      m.ack();
      return;
    }
    m.ack();
    metrics.fanoutProcessed.inc({ subject: m.subject, result: 'emitted' });
  };

  const poison = (m: JsMsg) => {
    log.warn({ subject: m.subject, seq: m.seq }, 'dropping a malformed event');
    metrics.fanoutProcessed.inc({ subject: m.subject, result: 'malformed' });
    m.term();
  };

  const run = async () => {
    let failures = 0;
    while (running) {
      try {
        await ensureConsumer();
        const consumer = await jetstream(options.nc).consumers.get(MESSAGES_STREAM.name, FANOUT_CONSUMER);
        messages = await consumer.consume({ max_messages: 1000 });
        if (failures > 0) log.info('fan-out consumer running again');
        failures = 0;
        for await (const m of messages) handle(m);
      } catch (error) {
        failures++;
        if (running) log[failures === 1 ? 'warn' : 'debug']({ err: error, failures }, 'fan-out consumer failed; retrying');
      }
      messages = undefined;
      if (running) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryDelay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      // close() stops pulling and lets the iterator finish the messages already received.
      await messages?.close().catch(() => {});
      await loop;
    },
    async pending() {
      const jsm = await jetstreamManager(options.nc);
      const info = await jsm.consumers.info(MESSAGES_STREAM.name, FANOUT_CONSUMER);
      return info.num_pending + info.num_ack_pending;
    },
  };
}
