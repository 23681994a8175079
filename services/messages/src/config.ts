import { z } from 'zod';
import { NATS_PREFIX_PATTERN, NATS_PREFIX_RULE, WORKFLOW } from '@switchboard/protocol';
import { csvList, loadConfig, logFormat, logLevel, port, positiveInt, secret, url, type Env } from '@switchboard/config';

/**
 * The longest wake-up interval the snooze bound allows: a fifth of it, so that a tick, its transaction, the relay
 * and the gateways' fan-out fit in `WORKFLOW.snoozeWakeBoundMs` (5 s) with room to spare.
 */
const SNOOZE_WAKEUP_MAX_INTERVAL_MS = WORKFLOW.snoozeWakeBoundMs / 5;

/**
 * Environment of the messages service (CONTRACT.md, "Processes, ports, environment").
 * Tuning variables past the contract's are optional; their defaults are what production should run.
 */
export const MessagesEnv = z.object({
  /** Postgres. Required. */
  DATABASE_URL: url(['postgres', 'postgresql']),
  /** NATS with JetStream. Required. */
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']),
  /** A NATS credentials file (user JWT and seed); user/password or a token may also be given in `NATS_URL`. @default unset */
  NATS_CREDS: z.string().optional(),
  /**
   * Prefixes every NATS subject (`<prefix>.message.created`), stream (`<prefix>_MESSAGES`) and durable consumer
   * (`<prefix>_gateway-fanout`), for environments sharing one NATS server without an account each.
   * @default '' (the contract's names)
   */
  NATS_PREFIX: z.string().regex(NATS_PREFIX_PATTERN, `must be ${NATS_PREFIX_RULE}`).default(''),
  /** @default 3001 */
  MESSAGES_PORT: port(3001),
  /** @default '0.0.0.0' */
  MESSAGES_HOST: z.string().default('0.0.0.0'),
  /** Bearer token for `POST /v1/apps`; unset: the operator API answers 404. */
  OPERATOR_TOKEN: secret.optional(),
  /** Shared secret the gateway sends on `/internal/`; unset: `/internal/` is open (it is never routed from outside). */
  INTERNAL_TOKEN: secret.optional(),
  /** Browser origins allowed by CORS; unset: any origin (with a warning at start). */
  ALLOWED_ORIGINS: csvList.optional(),
  /** Optional, for cluster-wide rate limits (per process without it). */
  REDIS_URL: url(['redis', 'rediss']).optional(),
  /** Prefix of the Redis keys this service uses. @default 'switchboard' */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/).default('switchboard'),
  /**
   * Public API requests a caller (a device, a user, an agent; the admin token of an app) may make per second, bursts
   * of twice that; more are refused with 429 `RATE_LIMITED` and `Retry-After`. 0: no limit. @default 20
   */
  API_RATE_PER_SECOND: positiveInt(20),
  /** Public API requests a client address may make per second, whatever its credentials; more: 429. 0: no limit. @default 200 */
  API_RATE_PER_IP_PER_SECOND: positiveInt(200),
  /**
   * 401s an address may get from the public API in a minute; past it, every request from it gets 429
   * `RATE_LIMITED` with `Retry-After` until the minute ends. 0: off. @default 30
   */
  AUTH_FAILURES_PER_IP_PER_MINUTE: positiveInt(30),
  /**
   * Proxies in front of the service that append to `X-Forwarded-For` (an ingress: 1). The client address is then
   * that header's n-th entry from the right; 0: the connection's remote address. @default 0
   */
  TRUSTED_PROXY_HOPS: positiveInt(0),
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  /** Connections in the Postgres pool. @default 20 */
  DATABASE_POOL_SIZE: positiveInt(20),
  /** Events the outbox relay publishes per batch. @default 500 */
  OUTBOX_BATCH_SIZE: positiveInt(500),
  /** Sends stored in one transaction at most (group commit, see docs/messages-service.md). @default 256 */
  SEND_BATCH_SIZE: positiveInt(256),
  /** Send transactions in flight at once per replica; sends arriving meanwhile join the next one. @default 4 */
  SEND_CONCURRENCY: positiveInt(4),
  /** How often the relay looks for events when no notification came. @default 1000 */
  OUTBOX_POLL_INTERVAL_MS: positiveInt(1000),
  /**
   * How often each replica looks for snoozed conversations whose `snoozed_until` has passed, 1 … 1000 (a due one
   * reopens within this plus a transaction, well inside the contract's 5 s). @default 1000
   */
  SNOOZE_WAKEUP_INTERVAL_MS: positiveInt(1000).refine(
    (ms) => ms >= 1 && ms <= SNOOZE_WAKEUP_MAX_INTERVAL_MS,
    `must be 1 … ${SNOOZE_WAKEUP_MAX_INTERVAL_MS}`,
  ),
  /** Snoozed conversations reopened per transaction; a full batch is followed by the next at once. @default 100 */
  SNOOZE_WAKEUP_BATCH_SIZE: positiveInt(100).refine((n) => n >= 1, 'must be at least 1'),
});

export type MessagesConfig = ReturnType<typeof loadMessagesConfig>;

export function loadMessagesConfig(env: Env) {
  return loadConfig(MessagesEnv, env);
}

/** The service's variables without the URLs of its dependencies: for the embedded mode, which supplies its own. */
export const MessagesTuningEnv = MessagesEnv.omit({ DATABASE_URL: true, NATS_URL: true });
