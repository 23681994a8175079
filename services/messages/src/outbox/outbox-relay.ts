import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { Counter } from '@switchboard/metrics';
import type { Database } from '../db/schema.js';
import { deleteOutboxEvents, fetchOutboxWire, type OutboxWireRow } from '../repositories/outbox.js';
import type { Publisher } from './publisher.js';
import type { RelayCoordinator } from './relay-coordinator.js';

export interface OutboxRelayMetrics {
  readonly published: Counter<'subject'>;
  readonly failed: Counter<'subject'>;
}

export interface OutboxRelayOptions {
  readonly db: Kysely<Database>;
  readonly publisher: Publisher;
  readonly coordinator: RelayCoordinator;
  readonly logger: Logger;
  readonly metrics: OutboxRelayMetrics;
  /** Events per batch (`OUTBOX_BATCH_SIZE`). */
  readonly batchSize: number;
  /** Look for events this often when no notification came (missed NOTIFY, standby replica; `OUTBOX_POLL_INTERVAL_MS`). */
  readonly pollIntervalMs: number;
  /**
   * Called after the broker acknowledged a batch and before the rows are removed. Tests use it to crash the relay
   * exactly there.
   */
  readonly afterPublish?: (rows: readonly OutboxWireRow[]) => Promise<void>;
  /** The wait after failure number `failures` (from 1). @default exponential from 100 ms, capped at 5 s, full jitter */
  readonly backoffMs?: (failures: number) => number;
}

export interface OutboxRelay extends AsyncDisposable {
  start(): void;
  /**
   * A dependency is back (the broker or the database reconnected): end the wait after a failure now rather than
   * when its backoff runs out (up to 5 s after NATS returned, on top of the clients' own reconnects), and start the
   * backoff over, so that a failure in the first moments after the return waits ~100 ms, not 5 s.
   */
  retryNow(): void;
  /** Stops after the batch in flight (its acknowledged rows are removed). */
  close(): Promise<void>;
}

/**
 * Publishes outbox events to the broker and removes each one only after its acknowledgement. A crash between the
 * two republishes the event, which JetStream de-duplicates by `Nats-Msg-Id`; a broker outage leaves the events in
 * Postgres until it returns. Only the replica holding the coordinator's lease publishes, so events leave in order.
 */
/** Longest wait between attempts while publishing fails. */
const MAX_BACKOFF_MS = 5000;

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const log = options.logger.child({ component: 'outbox-relay' });
  const batchSize = options.batchSize;
  const pollMs = options.pollIntervalMs;

  let running = false;
  let loop: Promise<void> | undefined;
  let wakes = 0;
  let wakeUp: (() => void) | undefined;
  let failures = 0;
  /**
   * Failures since the last success or the last time a dependency came back: the backoff's step. A failure right
   * after NATS returned (JetStream still recovering its streams) then waits ~100 ms, not the up-to-5 s that the
   * outage's failures had reached (measured: new messages held 5-8 s after NATS was back, docs/reliability.md).
   */
  let backoffStep = 0;

  options.coordinator.onWake(() => {
    wakes++;
    wakeUp?.();
  });

  let stop: (() => void) | undefined;
  /** Ends the backoff pause in progress, if any (`retryNow`). */
  let cutBackoff: (() => void) | undefined;
  const backoffMs = options.backoffMs ?? ((n: number) => backoff(n, MAX_BACKOFF_MS));

  /**
   * Waits up to `ms`. A wakeable pause (idle) ends early when a write notified since `seenWakes`; a backoff pause
   * does not. Closing ends either.
   */
  const pause = (ms: number, wakeable: boolean, seenWakes = wakes) =>
    new Promise<void>((resolve) => {
      if (!running || (wakeable && wakes !== seenWakes)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (wakeUp === done) wakeUp = undefined;
        if (stop === done) stop = undefined;
        if (cutBackoff === done) cutBackoff = undefined;
        resolve();
      }
      if (wakeable) wakeUp = done;
      else cutBackoff = done;
      stop = done;
    });

  /** Ends the wait for the batch in flight (`retryNow`): its answers may never come (see `publishBatch`). */
  let abandonBatch: (() => void) | undefined;

  const publishBatch = async (rows: OutboxWireRow[]): Promise<number> => {
    // Pipelined on one connection: the broker stores them in this order.
    const publishing = Promise.allSettled(rows.map((row) => options.publisher.publish(row.subject, encode(row.payload), row.msg_id)));
    // A batch published while NATS was away waits for its acks up to the publish timeout (5 s), though the server
    // may be back and never answer what it did not receive. When a dependency comes back it is abandoned: its rows
    // stay in the outbox and go again at once (JetStream drops what it already stored, by `Nats-Msg-Id`).
    const abandoned = new Promise<'abandoned'>((resolve) => (abandonBatch = () => resolve('abandoned')));
    const results = await Promise.race([publishing, abandoned]);
    abandonBatch = undefined;
    if (results === 'abandoned') {
      // Not acknowledged on this attempt: counted as failed publishes, as a timeout would have been.
      for (const row of rows) options.metrics.failed.inc({ subject: row.subject });
      log.debug({ rows: rows.length }, 'a dependency came back: publishing the batch in flight again');
      return 0;
    }
    const acked: OutboxWireRow[] = [];
    let firstError: unknown;
    // Counted per subject, one counter update each (a batch holds a few subjects and hundreds of rows).
    const published = new Map<string, number>();
    const failed = new Map<string, number>();
    results.forEach((result, i) => {
      const row = rows[i]!;
      if (result.status === 'fulfilled') {
        acked.push(row);
        published.set(row.subject, (published.get(row.subject) ?? 0) + 1);
      } else {
        firstError ??= result.reason;
        failed.set(row.subject, (failed.get(row.subject) ?? 0) + 1);
      }
    });
    for (const [subject, n] of published) options.metrics.published.inc({ subject }, n);
    for (const [subject, n] of failed) options.metrics.failed.inc({ subject }, n);
    if (acked.length > 0) {
      await options.afterPublish?.(acked);
      await deleteOutboxEvents(
        options.db,
        acked.map((row) => row.id),
      );
    }
    if (firstError !== undefined) {
      failures++;
      backoffStep++;
      // One line per outage, then debug: an outage must not flood the logs.
      const level = failures === 1 ? 'warn' : 'debug';
      log[level]({ err: firstError, failed: rows.length - acked.length, failures }, 'publishing outbox events failed');
    } else if (failures > 0) {
      log.info({ failures }, 'publishing outbox events recovered');
      failures = 0;
      backoffStep = 0;
    }
    return acked.length;
  };

  const run = async () => {
    while (running) {
      const seen = wakes;
      try {
        if (!options.coordinator.leading && !(await options.coordinator.tryLead())) {
          await pause(pollMs, true, seen);
          continue;
        }
        const rows = await fetchOutboxWire(options.db, batchSize);
        if (rows.length === 0) {
          await pause(pollMs, true, seen);
          continue;
        }
        const acked = await publishBatch(rows);
        if (acked < rows.length) await pause(backoffMs(backoffStep), false);
      } catch (error) {
        failures++;
        backoffStep++;
        log[failures === 1 ? 'warn' : 'debug']({ err: error, failures }, 'outbox relay iteration failed');
        await pause(backoffMs(backoffStep), false);
      }
    }
  };

  const close = async () => {
    running = false;
    stop?.();
    await loop;
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    retryNow() {
      backoffStep = 0;
      abandonBatch?.();
      cutBackoff?.();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Exponential, capped, with full jitter, from 100 ms. */
function backoff(failures: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, 100 * 2 ** Math.min(failures, 10));
  return Math.round(Math.random() * ceiling);
}

const encoder = new TextEncoder();
function encode(payload: string): Uint8Array {
  return encoder.encode(payload);
}
