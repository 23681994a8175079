import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import { WEBHOOKS } from '@switchboard/protocol';
import type { WebhooksDatabase } from '../db/schema.js';
import type { DeliveryEngineSettings } from './delivery-engine.js';
import type { EngineMetrics } from './engine-metrics.js';
import type { HttpSender } from './http-sender.js';
import { claimDueDeliveries, recordDelivered, recordFailure, type ClaimedDelivery, type DeliveredRecord } from './delivery-store.js';
import { createBatchWriter } from './batch-writer.js';
import { webhookBody } from './event-data.js';
import { nextRetryDelayMs } from './retry-schedule.js';
import { signedHeaders } from './signing.js';

/** A claim outlives the longest attempt (the timeout) with room to record it; a crashed replica's runs out after it. */
export const LEASE_MS = WEBHOOKS.attemptTimeoutMs + 20_000;
/** Look for due deliveries this often without a wake-up (other replicas' work, retries that came due, CLI changes). */
export const POLL_INTERVAL_MS = 1000;

export interface DispatcherDeps {
  readonly db: Kysely<WebhooksDatabase>;
  readonly sender: HttpSender;
  readonly settings: DeliveryEngineSettings;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface Dispatcher {
  start(): void;
  wake(): void;
  /** Stops claiming; waits for the attempts in flight (each bounded by the timeout) to be recorded. */
  stop(): Promise<void>;
}

/**
 * Sends due deliveries. Each pass claims what there is room for — at most `perEndpointConcurrency` attempts in
 * flight per endpoint and `totalConcurrency` in all — and starts those attempts at once; an attempt that ends makes
 * room and triggers the next pass. The queue of each endpoint is its pending rows in Postgres, so one that hangs
 * holds only its own slots, and another endpoint's deliveries are claimed beside it (CONTRACT.md: one slow or
 * failing endpoint never delays another's deliveries).
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const log = deps.logger.child({ component: 'webhooks-dispatcher' });
  const { perEndpointConcurrency, totalConcurrency, retryScheduleMs } = deps.settings;
  const inFlight = new Map<string, number>();
  // Successes are written together: every answer that came while the last write ran, in one statement.
  const delivered = createBatchWriter<DeliveredRecord>(async (records) => {
    const { reenabled } = await recordDelivered(deps.db, records);
    for (const endpointId of reenabled) {
      const appId = records.find((r) => r.delivery.endpointId === endpointId)?.delivery.appId;
      log.info({ endpoint_id: endpointId, app_id: appId }, 'endpoint enabled again: it answered 2xx to a manual retry');
    }
  });
  const attempts = new Set<Promise<void>>();
  let total = 0;
  let running = false;
  let passing = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const schedule = (ms: number) => {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => void pass(), ms);
  };

  let current: Promise<void> | undefined;
  const pass = (): Promise<void> => {
    if (!running) return Promise.resolve();
    if (passing) {
      again = true;
      return current!;
    }
    passing = true;
    current = claimAndLaunch();
    return current;
  };

  async function claimAndLaunch(): Promise<void> {
    again = false;
    let claimedFull = false;
    try {
      const room = totalConcurrency - total;
      if (room > 0) {
        const now = deps.now();
        const claimed = await claimDueDeliveries(deps.db, {
          now: new Date(now),
          leaseUntil: new Date(now + LEASE_MS),
          limit: room,
          perEndpoint: perEndpointConcurrency,
          inFlight,
        });
        for (const delivery of claimed) launch(delivery);
        claimedFull = claimed.length === room;
      }
      if (failures > 0) log.info('claiming deliveries again');
      failures = 0;
    } catch (error) {
      failures++;
      if (failures === 1) log.warn({ err: error }, 'claiming deliveries failed; retrying');
    } finally {
      passing = false;
    }
    if (again || claimedFull) schedule(0);
    else schedule(failures > 0 ? Math.min(POLL_INTERVAL_MS * 2 ** failures, 30_000) : POLL_INTERVAL_MS);
  }

  const launch = (delivery: ClaimedDelivery) => {
    total++;
    inFlight.set(delivery.endpointId, (inFlight.get(delivery.endpointId) ?? 0) + 1);
    const attempt = send(delivery)
      .catch((error: unknown) => log.warn({ err: error, delivery_id: delivery.id }, 'recording an attempt failed; its lease will run out'))
      .finally(() => {
        total--;
        const left = (inFlight.get(delivery.endpointId) ?? 1) - 1;
        if (left > 0) inFlight.set(delivery.endpointId, left);
        else inFlight.delete(delivery.endpointId);
        attempts.delete(attempt);
        schedule(0);
      });
    attempts.add(attempt);
  };

  async function send(delivery: ClaimedDelivery): Promise<void> {
    const body = webhookBody({ id: delivery.eventId, type: delivery.type, app_id: delivery.appId, created_at: delivery.eventCreatedAt, payload: delivery.payload });
    const started = deps.now();
    const headers = signedHeaders(delivery.secret, delivery.eventId, new Date(started), body);
    const stopTimer = deps.metrics.attemptDuration.startTimer({ type: delivery.type });
    const outcome = await deps.sender.send({ url: delivery.url, headers, body });
    stopTimer();
    const at = new Date(deps.now());
    if (outcome.refused) deps.metrics.refusedTargets.inc({ reason: outcome.refused });
    if (outcome.ok) {
      await delivered.record({ delivery, statusCode: outcome.statusCode!, at });
      deps.metrics.attempts.inc({ type: delivery.type, outcome: 'delivered' });
      return;
    }
    const tried = delivery.attempts + 1;
    const delay = nextRetryDelayMs(retryScheduleMs, tried);
    const retryAt = delay === undefined ? undefined : new Date(at.getTime() + delay);
    const result = await recordFailure(deps.db, delivery, {
      statusCode: outcome.statusCode,
      error: outcome.error ?? 'failed',
      at,
      retryAt,
      disableAfterMs: WEBHOOKS.disableAfterFailingMs,
    });
    deps.metrics.attempts.inc({ type: delivery.type, outcome: retryAt && result !== 'failed' ? 'retry' : 'failed' });
    log.debug({ delivery_id: delivery.id, attempts: tried, status: outcome.statusCode, error: outcome.error }, 'attempt failed');
    if (result === 'disabled') {
      log.warn({ endpoint_id: delivery.endpointId, app_id: delivery.appId }, 'endpoint disabled: its deliveries failed for 24 h');
    }
    // A retry due before the next poll is looked for when it is due.
    if (retryAt && result !== 'failed' && delay! < POLL_INTERVAL_MS) setTimeout(() => running && void pass(), delay! + 1).unref();
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    wake() {
      if (running) schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      // A claim in flight launches what it claimed; those attempts are waited for too.
      await current;
      while (attempts.size > 0) await Promise.allSettled([...attempts]);
    },
  };
}
