import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsNames } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import { sleep } from '@switchboard/runtime';
import type { FanoutHandler, FanoutSource } from './fanout-handler.js';
import { createNoWaitPuller, type NoWaitPuller, type PulledMsg } from './paced-pull.js';

const nanos = (ms: number) => ms * 1_000_000;

/**
 * A pull the server has not ended this long after it expired is taken as ended and pulled again: NATS 2.9 now and
 * then expires a pull without the 408 that ends it, and nats.js would wait for two missed heartbeats (≥ 1 s).
 */
const PULL_GRACE_MS = 250;
/** Pull requests kept open at once while idle, started `pullExpiresMs / PULLS` apart so one is always waiting. */
const PULLS = 2;
/**
 * While events flow, one `no_wait` pull every this many ms takes what accumulated in one burst (docs/scaling.md,
 * step 8): a node wakes up ~100 times a second instead of once per event. It adds up to this much latency.
 */
export const FANOUT_PACE_MS = 10;
/** The most events one paced pull takes. */
const PACED_BATCH = 500;
/** A paced pull the server has not ended within this is taken as ended (what comes later is still handled). */
const PACED_WAIT_MS = 100;
/** The wait before a failed consumer is attached again. */
export const FANOUT_RETRY_DELAY_MS = 2000;
/** How long one pull request stays open. */
export const FANOUT_PULL_EXPIRES_MS = 1000;

export interface JetStreamFanoutOptions {
  readonly nc: NatsConnection;
  readonly logger: Logger;
  /** This environment's stream, subjects and consumer (`natsNames(NATS_PREFIX)`). */
  readonly names: NatsNames;
  /** False while the adapter cannot publish: events are put back for later (or another node) instead. */
  readonly canEmit: () => boolean;
  /** The wait before a failed consumer is attached again (`FANOUT_RETRY_DELAY_MS`). */
  readonly retryDelayMs: number;
  /** How long one pull request stays open (`FANOUT_PULL_EXPIRES_MS`); `stop()` waits at most this plus `PULL_GRACE_MS`. */
  readonly pullExpiresMs: number;
  /** While events flow, the time between two paced pulls (`FANOUT_PACE_MS`); 0: every event is handled as it comes. */
  readonly paceMs: number;
  /**
   * Which shared consumer: `messages` (`gateway-fanout` on `MESSAGES`, message events) or `events`
   * (`gateway-events` on `EVENTS`, every subject of that stream: app and conversation events). @default 'messages'
   */
  readonly stream?: 'messages' | 'events';
}

/**
 * Every gateway pulls from one durable JetStream consumer (`gateway-fanout`, `<prefix>_gateway-fanout` with a
 * `NATS_PREFIX`, on that environment's stream), so each event is handled by one node,
 * which emits it to the rooms through the adapter (reaching sockets on every node) and acks it afterwards. A
 * redelivery may emit an event twice; clients de-duplicate by id.
 *
 * It pulls with bounded requests (`fetch`, up to 500 events or 1 s) rather than an endless `consume()`: stopping
 * then means not asking again and finishing the requests in hand, so no event the server already sent this node is
 * dropped on the floor to wait for its ack timeout (which `consume().close()` does on a drain).
 *
 * While idle, two pulls are kept open, staggered by half their lifetime, so there is no gap while one ends and the
 * next is asked for. A pull gets a deadline of its expiry plus `PULL_GRACE_MS`: with a single pull and no deadline,
 * NATS 2.9's occasional silent expiry (no 408) held events for up to a second (docs/performance.md, fan-out).
 *
 * While events flow (`paceMs` > 0), the idle pulls end at their first event and the node switches to paced pulls:
 * one `no_wait` pull every `paceMs`, taking what accumulated in one burst, until one finds nothing; then back to the
 * idle pulls. Each event handled as it came cost a wake-up of its own (~90 µs of the ~100 µs a node spent per
 * event at 1,000 events/s, docs/scaling.md), and a fixed pace costs ~60 ms/s of CPU with nothing to take.
 */
export function createJetStreamFanout(options: JetStreamFanoutOptions): FanoutSource {
  const log = options.logger.child({ component: options.stream === 'events' ? 'events' : 'fanout' });
  const names = options.names;
  let handler: FanoutHandler | undefined;
  const which = options.stream ?? 'messages';
  const stream = names.streams[which];
  const durable = which === 'messages' ? names.consumers.gatewayFanout : names.consumers.gatewayEvents;
  // NATS 2.9 has no filter_subjects: one subject, or none for every subject of the stream.
  const filter = which === 'messages' ? { filter_subject: names.streamSubjects.messages[0] } : {};
  const retryDelay = options.retryDelayMs;
  let running = false;
  const expires = options.pullExpiresMs;
  // The consumer delivers only what is published after it exists: a node is not ready before it is attached.
  let attached = false;
  let loop: Promise<void> | undefined;

  const ensureConsumer = async () => {
    const jsm = await jetstreamManager(options.nc);
    try {
      await jsm.consumers.info(stream, durable);
    } catch {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ...filter,
        // A node that dies holding events: they go to another node after this.
        ack_wait: nanos(10_000),
        max_ack_pending: 20_000,
        max_deliver: -1,
      });
      log.info({ consumer: durable }, 'created the shared consumer');
    }
  };

  const handle = (m: PulledMsg) => {
    if (!options.canEmit()) {
      m.nak(1000);
      return;
    }
    let data: unknown;
    try {
      data = m.json();
    } catch {
      data = undefined;
    }
    // The handler knows the contract's subjects; a subject outside this environment's prefix is none of ours.
    const subject = names.contractSubject(m.subject) ?? m.subject;
    if (handler!(subject, data) === 'malformed') m.term();
    else m.ack();
  };


  let stopping = new AbortController();
  /** A wait that `stop()` cuts short. */
  const sleepUnlessStopped = (ms: number) => (running ? sleep(ms, stopping.signal) : Promise.resolve());
  /** Cut short by `stop()` and by NATS coming back (`reconnect`), so a consumer that failed in an outage is attached again at once. */
  let reconnected = new AbortController();
  const retryWait = (ms: number) => (running ? sleep(ms, AbortSignal.any([stopping.signal, reconnected.signal])) : Promise.resolve());
  void (async () => {
    for await (const status of options.nc.status()) {
      if (status.type !== 'reconnect') continue;
      reconnected.abort();
      reconnected = new AbortController();
    }
  })().catch((error: unknown) => log.debug({ err: error }, 'NATS status stream ended'));

  /** Paced pulls while events flow (shared by both loops: one paces at a time). */
  const flow = { puller: undefined as NoWaitPuller | undefined, pacing: undefined as Promise<void> | undefined };

  /** One `no_wait` pull every `paceMs` until one finds nothing (or the node stops). */
  const pace = async (puller: NoWaitPuller) => {
    while (running) {
      await sleepUnlessStopped(options.paceMs);
      if ((await puller.pull(PACED_BATCH, PACED_WAIT_MS)) === 0) return;
    }
  };

  /** One pull after another until stopped; `shared.failed` ends the loop's siblings after their pull in hand. */
  const pullLoop = async (consumer: Consumer, delayMs: number, shared: { failed: boolean }) => {
    if (delayMs > 0) await sleepUnlessStopped(delayMs);
    while (running && !shared.failed) {
      // While another loop paces, this one waits for it instead of holding a pull that takes events one by one.
      if (flow.pacing) {
        await flow.pacing;
        continue;
      }
      const paced = options.paceMs > 0 && flow.puller !== undefined;
      const batch = await consumer.fetch({ max_messages: paced ? 1 : 500, expires });
      // setImmediate: a deadline that fires after a busy turn first lets the poll phase read what already arrived.
      const deadline = setTimeout(() => setImmediate(() => batch.stop()), expires + PULL_GRACE_MS);
      let taken = 0;
      try {
        for await (const m of batch) {
          handle(m);
          taken++;
        }
      } catch (error) {
        // A pull nats.js ended after two missed heartbeats: pull again at once. Waiting `retryDelay` here held every
        // event for ~3 s (docs/performance.md, fan-out).
        if (!isMissedHeartbeats(error)) throw error;
        log.debug({ err: error }, 'fan-out pull stalled; pulling again');
      } finally {
        clearTimeout(deadline);
      }
      if (paced && taken > 0 && running && !flow.pacing) {
        flow.pacing = pace(flow.puller!).finally(() => (flow.pacing = undefined));
        await flow.pacing;
      }
    }
  };

  const run = async () => {
    let failures = 0;
    while (running) {
      try {
        await ensureConsumer();
        const consumer = await jetstream(options.nc).consumers.get(stream, durable);
        if (options.paceMs > 0) flow.puller = createNoWaitPuller(options.nc, stream, durable, handle);
        attached = true;
        if (failures > 0) log.info({ consumer: durable }, 'shared consumer running again');
        failures = 0;
        const shared = { failed: false };
        const loops = Array.from({ length: PULLS }, (_, i) =>
          pullLoop(consumer, (i * expires) / PULLS, shared).catch((error: unknown) => {
            shared.failed = true;
            throw error;
          }),
        );
        // Every loop has finished its pull before a retry starts new ones.
        const failed = (await Promise.allSettled(loops)).find((r) => r.status === 'rejected');
        await flow.pacing;
        flow.puller?.close();
        flow.puller = undefined;
        if (failed) throw failed.reason;
      } catch (error) {
        attached = false;
        failures++;
        if (running) log[failures === 1 ? 'warn' : 'debug']({ err: error, failures, consumer: durable }, 'shared consumer failed; retrying');
      }
      if (running) await retryWait(retryDelay);
    }
  };

  return {
    start(handle) {
      if (running) return;
      stopping = new AbortController();
      handler = handle;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      stopping.abort();
      // The pulls in hand finish (at most `expires` + `PULL_GRACE_MS`); no new one is made.
      await loop;
    },
    ready: () => attached && running,
    prepare: ensureConsumer,
    pulling: () => running,
    async pending() {
      const jsm = await jetstreamManager(options.nc);
      const info = await jsm.consumers.info(stream, durable);
      return info.num_pending + info.num_ack_pending;
    },
  };
}

/** nats.js ends a `fetch` whose pull went silent with this error; the consumer itself is fine. */
function isMissedHeartbeats(error: unknown): boolean {
  return error instanceof Error && error.message === 'heartbeats missed';
}
