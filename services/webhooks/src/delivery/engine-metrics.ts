import { createCounter, createGauge, Histogram, zeroKnownSeries, type Counter, type Registry } from '@switchboard/metrics';
import { createTtlCache } from '@switchboard/runtime';
import { WEBHOOK_EVENT_TYPES } from '@switchboard/protocol';
import { WEBHOOK_METRICS } from './delivery-engine.js';

export type AttemptOutcomeLabel = 'delivered' | 'retry' | 'failed';

export interface EngineMetrics {
  readonly attempts: Counter<'type' | 'outcome'>;
  readonly attemptDuration: Histogram<'type'>;
  readonly eventsIngested: Counter<'type'>;
  readonly refusedTargets: Counter<'reason'>;
}

export interface Backlog {
  readonly due: number;
  readonly oldestAgeSeconds: number;
  readonly disabledEndpoints: number;
}

/** Buckets in seconds of one attempt, up to the 10 s timeout. */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The engine's metrics (`WEBHOOK_METRICS`) on the service's registry. The three gauges read Postgres when scraped,
 * once per scrape for all three (`readBacklog`, shared for a second).
 */
export function createEngineMetrics(registry: Registry, readBacklog: () => Promise<Backlog>): EngineMetrics {
  const shared = createTtlCache<Backlog>({ ttlMs: 1000, maxSize: 1 });
  const backlog = () => shared.get('backlog', readBacklog);
  const attempts = createCounter(registry, WEBHOOK_METRICS.attempts, 'Webhook delivery attempts, by event type and outcome (delivered, retry, failed).', ['type', 'outcome'] as const);
  const eventsIngested = createCounter(registry, WEBHOOK_METRICS.eventsIngested, 'Events taken from the bus and recorded before their ack, by type.', ['type'] as const);
  const attemptDuration = new Histogram({
    name: WEBHOOK_METRICS.attemptDuration,
    help: 'Duration of one webhook attempt in seconds, request to answer or timeout.',
    labelNames: ['type'] as const,
    buckets: ATTEMPT_BUCKETS,
    registers: [registry],
  });
  const refusedTargets = createCounter(registry, WEBHOOK_METRICS.refusedTargets, 'Webhook sends refused before connecting, by reason (scheme or address range).', ['reason'] as const);
  createGauge(registry, WEBHOOK_METRICS.backlog, 'Pending webhook deliveries that are due now.', [], async function () {
    this.set((await backlog()).due);
  });
  createGauge(registry, WEBHOOK_METRICS.backlogAge, 'Seconds the oldest due pending webhook delivery has waited (0 with none).', [], async function () {
    this.set((await backlog()).oldestAgeSeconds);
  });
  createGauge(registry, WEBHOOK_METRICS.endpointsDisabled, 'Webhook endpoints disabled after 24 h of failures.', [], async function () {
    this.set((await backlog()).disabledEndpoints);
  });
  const types = [...WEBHOOK_EVENT_TYPES];
  zeroKnownSeries(attempts, { type: types, outcome: ['delivered', 'retry', 'failed'] });
  zeroKnownSeries(eventsIngested, { type: types });
  zeroKnownSeries(attemptDuration, { type: types });
  // Reasons are the scheme or an address range's name (open-ended); the scheme one is there from the first scrape, so
  // the dashboard's panel and its first rate() have a series.
  zeroKnownSeries(refusedTargets, { reason: ['scheme'] });
  return { attempts, attemptDuration, eventsIngested, refusedTargets };
}
