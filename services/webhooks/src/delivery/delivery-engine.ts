import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { Registry } from '@switchboard/metrics';
import type { WebhooksDatabase } from '../db/schema.js';
import type { PresenceReader } from './presence-reader.js';

/**
 * The delivery engine: takes events from the bus (JetStream durable consumers `webhooks-messages` on `MESSAGES`
 * and `webhooks-events` on `EVENTS`, shared by every replica; the embedded bus in `npm start`), records one
 * delivery per matching endpoint before it acks, and sends the due deliveries (per-endpoint queues, signing,
 * send-time address checks, retries on the schedule, `failed` after the last try, endpoints disabled after 24 h of
 * failures). The HTTP routes and the CLI only read and write rows; they call `wake()` after a manual retry.
 */
export interface DeliveryEngine {
  /** Starts consuming and sending; resolves once the consumers are bound (or keeps retrying while NATS is away). */
  start(): Promise<void>;
  /** Stops taking events, lets attempts in flight finish (bounded), releases what it claimed. */
  stop(): Promise<void>;
  /** Something became due now (a manual retry): look at once instead of at the next tick. */
  wake(): void;
}

/** Where events come from: JetStream in production, the embedded memory bus in `npm start`. */
export interface WebhookEventSource {
  /**
   * Calls `handle` for each event, in order per stream, and acks it only when `handle` resolved; a rejection
   * leaves the event for redelivery. `id` is the event's id (`Nats-Msg-Id`), `subject` unprefixed.
   */
  start(handle: (event: SourceEvent) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface SourceEvent {
  readonly id: string;
  readonly subject: string;
  /** The event's JSON payload, as published. */
  readonly payload: unknown;
  /** When the bus stored it (JetStream's timestamp), the fallback for the body's `created_at`. */
  readonly storedAt: Date;
}

export interface DeliveryEngineSettings {
  /** Delays in ms before each retry (`WEBHOOKS_RETRY_SCHEDULE`): n delays mean n + 1 attempts. */
  readonly retryScheduleMs: readonly number[];
  /** `WEBHOOKS_ALLOW_INSECURE`: `http://` and private, loopback, link-local addresses allowed (one machine). */
  readonly allowInsecure: boolean;
  /** Attempts in flight at once for one endpoint, and in all. */
  readonly perEndpointConcurrency: number;
  readonly totalConcurrency: number;
}

export interface DeliveryEngineDeps {
  readonly db: Kysely<WebhooksDatabase>;
  readonly source: WebhookEventSource;
  readonly presence: PresenceReader;
  readonly settings: DeliveryEngineSettings;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** The clock, for tests of the schedule; `Date.now` in production. */
  readonly now?: () => number;
}

/**
 * The metrics the engine exports (the chart's dashboards and alerts read them; `test/deploy` checks that each one
 * exists in `/metrics`). Names only: the engine creates them on the service's registry.
 */
export const WEBHOOK_METRICS = Object.freeze({
  /** Counter `{type, outcome}`: outcome `delivered` | `retry` | `failed` (per attempt's result). */
  attempts: 'switchboard_webhooks_attempts_total',
  /** Histogram (seconds) of one attempt, request to answer or timeout. */
  attemptDuration: 'switchboard_webhooks_attempt_duration_seconds',
  /** Counter `{type}`: events taken from the bus (recorded before the ack). */
  eventsIngested: 'switchboard_webhooks_events_ingested_total',
  /** Gauge: pending deliveries that are due now. */
  backlog: 'switchboard_webhooks_backlog_deliveries',
  /** Gauge (seconds): how long the oldest due pending delivery has waited (0 with none). */
  backlogAge: 'switchboard_webhooks_backlog_oldest_age_seconds',
  /** Gauge: endpoints that are disabled. */
  endpointsDisabled: 'switchboard_webhooks_endpoints_disabled',
  /** Counter `{reason}`: sends refused before connecting (address policy, scheme). */
  refusedTargets: 'switchboard_webhooks_refused_targets_total',
});
