import type { Kysely } from 'kysely';
import {
  createCounter,
  createGauge,
  createHttpDurationHistogram,
  zeroKnownSeries,
  type Counter,
  type Gauge,
  type HttpDurationHistogram,
  type Registry,
} from '@switchboard/metrics';
import { SUBJECTS } from '@switchboard/protocol';
import type { Database } from './db/schema.js';
import { TOKEN_REFUSAL_REASONS } from './identity/token-verifier.js';
import { outboxBacklog } from './repositories/outbox.js';

export interface MessagesMetrics {
  readonly http: HttpDurationHistogram;
  readonly outboxPublished: Counter<'subject'>;
  readonly outboxFailed: Counter<'subject'>;
  readonly outboxBacklog: Gauge;
  readonly outboxOldestAge: Gauge;
  /** Limit checks that let a request through because their store (Redis) failed or hung, by limit. */
  readonly limitsFailOpen: Counter<'limit'>;
  /** User and agent tokens refused, by reason (`TOKEN_REFUSAL_REASONS`). */
  readonly tokenRefusals: Counter<'reason'>;
  /** Snoozed conversations this replica's wake-up reopened (`use-cases/snooze-wakeup.ts`). */
  readonly snoozeReopened: Counter;
}

/**
 * The service's metrics. The backlog gauges are read from Postgres at scrape time (an indexed count of the
 * unpublished rows), so they are right whichever replica publishes.
 */
export function createMessagesMetrics(registry: Registry, db: Kysely<Database>): MessagesMetrics {
  let pending: Promise<{ count: number; oldestAgeSeconds: number }> | undefined;
  // Both gauges collect in one scrape: share one query.
  const backlog = () => {
    pending ??= outboxBacklog(db).finally(() => queueMicrotask(() => (pending = undefined)));
    return pending;
  };
  const metrics = {
    http: createHttpDurationHistogram(registry),
    outboxPublished: createCounter(
      registry,
      'switchboard_outbox_published_total',
      'Outbox events acknowledged by JetStream (duplicates included), by subject.',
      ['subject'],
    ),
    outboxFailed: createCounter(
      registry,
      'switchboard_outbox_publish_failures_total',
      'Outbox publish attempts that failed and will be retried, by subject.',
      ['subject'],
    ),
    limitsFailOpen: createCounter(
      registry,
      'switchboard_messages_limits_fail_open_total',
      'Rate and authentication-failure limit checks that let a request through because Redis failed or did not answer, by limit.',
      ['limit'],
    ),
    outboxBacklog: createGauge(registry, 'switchboard_outbox_backlog', 'Outbox events not yet published.', [], async function () {
      this.set((await backlog().catch(() => ({ count: Number.NaN }))).count);
    }),
    outboxOldestAge: createGauge(
      registry,
      'switchboard_outbox_oldest_event_age_seconds',
      'Age of the oldest unpublished outbox event (0 when none).',
      [],
      async function () {
        this.set((await backlog().catch(() => ({ oldestAgeSeconds: Number.NaN }))).oldestAgeSeconds);
      },
    ),
    tokenRefusals: createCounter(
      registry,
      'switchboard_messages_token_refusals_total',
      'User and agent tokens refused, by reason (expired, bad_signature, unknown_kid, ...).',
      ['reason'],
    ),
    snoozeReopened: createCounter(
      registry,
      'switchboard_messages_snooze_reopened_total',
      'Snoozed conversations reopened by the snooze wake-up at their snoozed_until.',
    ),
  };
  // Exported at 0 from the start, so the dashboards and alerts see a series before the first event.
  zeroKnownSeries(metrics.outboxPublished, { subject: Object.values(SUBJECTS) });
  zeroKnownSeries(metrics.outboxFailed, { subject: Object.values(SUBJECTS) });
  zeroKnownSeries(metrics.limitsFailOpen, { limit: ['api_rate', 'api_rate_per_address', 'auth_failures'] });
  zeroKnownSeries(metrics.tokenRefusals, { reason: TOKEN_REFUSAL_REASONS });
  return metrics;
}
