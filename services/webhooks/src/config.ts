import { z } from 'zod';
import { NATS_PREFIX_PATTERN, NATS_PREFIX_RULE } from '@switchboard/protocol';
import { bool, loadConfig, logFormat, logLevel, nodeId, port, positiveInt, secret, url, type Env } from '@switchboard/config';

/**
 * The default `WEBHOOKS_RETRY_SCHEDULE`: the delays before each retry, Svix's schedule (5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h): eight attempts, the last about 27.6 h after the first, so an endpoint down for a day still gets every
 * event once it is back, and one failing for 24 h in a row is disabled before its oldest delivery gives up.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
]);

/** A retry may wait a week at most, and a schedule hold 25 retries at most. */
const RETRY_DELAY_MAX_MS = 7 * 24 * 3_600_000;
const RETRIES_MAX = 25;

/** `WEBHOOKS_RETRY_SCHEDULE`: comma-separated delays in milliseconds before each retry (`200,400,800`: four attempts). */
const retrySchedule = z
  .string()
  .regex(/^\d+(\s*,\s*\d+)*$/, 'must be comma-separated delays in milliseconds, e.g. 200,400,800')
  .transform((value) => value.split(',').map((delay) => Number(delay.trim())))
  .pipe(
    z
      .array(z.number().int().min(0).max(RETRY_DELAY_MAX_MS, `each delay must be at most ${RETRY_DELAY_MAX_MS} ms (7 days)`))
      .max(RETRIES_MAX, `at most ${RETRIES_MAX} retries`),
  )
  .default([...DEFAULT_RETRY_SCHEDULE_MS]);

/**
 * Environment of the webhooks service (CONTRACT.md, second release, "Webhooks" and "Operations"). Variables past the
 * contract's are optional tuning; their defaults are what production should run.
 */
export const WebhooksEnv = z.object({
  /** Postgres: the service's own schema `webhooks` (migrated at start), and one read of the messages service's `apps`. Required. */
  DATABASE_URL: url(['postgres', 'postgresql']),
  /** NATS with JetStream: the durable consumers `webhooks-messages` and `webhooks-events`. Required. */
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']),
  /** Redis, where the gateway keeps presence (`recipient_online`). Required. */
  REDIS_URL: url(['redis', 'rediss']),
  /** A NATS credentials file (user JWT and seed). @default unset */
  NATS_CREDS: z.string().optional(),
  /** The environment's prefix of NATS subjects, streams and consumer names (as the other services'). @default '' */
  NATS_PREFIX: z.string().regex(NATS_PREFIX_PATTERN, `must be ${NATS_PREFIX_RULE}`).default(''),
  /** The gateway's Redis key prefix, under which presence is read. @default 'switchboard' */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/).default('switchboard'),
  /** `/healthz`, `/readyz`, `/metrics` and the operator routes. @default 3002 */
  WEBHOOKS_PORT: port(3002),
  /** @default '0.0.0.0' */
  WEBHOOKS_HOST: z.string().default('0.0.0.0'),
  /** Bearer token of the operator routes (`/v1/apps/:app_id/webhooks…`); unset: they answer 404. */
  OPERATOR_TOKEN: secret.optional(),
  /** Delays in ms before each retry; n delays mean n + 1 attempts. @default 5000,300000,1800000,7200000,18000000,36000000,36000000 */
  WEBHOOKS_RETRY_SCHEDULE: retrySchedule,
  /** `http://` targets and loopback, private, link-local addresses allowed: for one machine only. @default false */
  WEBHOOKS_ALLOW_INSECURE: bool(false),
  /** Attempts in flight at once to one endpoint. @default 4 */
  WEBHOOKS_ENDPOINT_CONCURRENCY: positiveInt(4).refine((n) => n >= 1, 'must be at least 1'),
  /** Attempts in flight at once in this replica, all endpoints together. @default 64 */
  WEBHOOKS_CONCURRENCY: positiveInt(64).refine((n) => n >= 1, 'must be at least 1'),
  /** Connections in the Postgres pool. @default 10 */
  DATABASE_POOL_SIZE: positiveInt(10).refine((n) => n >= 1, 'must be at least 1'),
  /** This replica's id in logs. @default hostname-pid */
  NODE_ID: nodeId,
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
});

export type WebhooksConfig = ReturnType<typeof loadWebhooksConfig>;

export function loadWebhooksConfig(env: Env) {
  return loadConfig(WebhooksEnv, env);
}

/**
 * The service's own variables (`WEBHOOKS_*`), for the embedded mode: the shared ones (URLs, prefixes, the operator
 * token, logging, `NODE_ID`) come from the other services' there, with their defaults.
 */
export const WebhooksOwnEnv = WebhooksEnv.pick({
  WEBHOOKS_PORT: true,
  WEBHOOKS_HOST: true,
  WEBHOOKS_RETRY_SCHEDULE: true,
  WEBHOOKS_ALLOW_INSECURE: true,
  WEBHOOKS_ENDPOINT_CONCURRENCY: true,
  WEBHOOKS_CONCURRENCY: true,
});
