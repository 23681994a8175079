import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { connectServiceNats, createDependencyStatus, drainNats, redisTarget, watchRedis } from '@switchboard/runtime';
import { createPostgresDatabase, databaseTarget } from '@switchboard/service-kit';
import type { WebhooksServiceDeps } from './app.js';
import type { WebhooksConfig } from './config.js';
import type { WebhooksDatabase } from './db/schema.js';
import type { WebhookEventSource } from './delivery/delivery-engine.js';
import { createJetStreamEventSource } from './delivery/jetstream-source.js';
import { sourceOnceConnected } from './source-once-connected.js';
import { createRedisPresenceReader, presenceKeyPrefix, type PresenceReader } from '@switchboard/presence';

/** How long an event whose recording failed (Postgres away) waits before JetStream offers it again. */
const SOURCE_RETRY_DELAY_MS = 1000;

/** The variables the clients are built from; a URL may be missing where a stand-in is given instead. */
export type WebhooksDepsConfig = Pick<WebhooksConfig, 'DATABASE_POOL_SIZE' | 'NATS_CREDS' | 'NATS_PREFIX' | 'REDIS_KEY_PREFIX'> & {
  readonly DATABASE_URL?: string | undefined;
  readonly NATS_URL?: string | undefined;
  readonly REDIS_URL?: string | undefined;
};

/** What the embedded mode (`npm start`) gives in place of a server whose URL is not set. */
export interface WebhooksStandIns {
  /** In place of Postgres: the process's one PGlite (shared with the messages service); `close()` is its owner's. */
  readonly database?: { readonly db: Kysely<WebhooksDatabase>; readonly target: string };
  /** In place of JetStream: the in-process bus's webhooks consumers. */
  readonly source?: WebhookEventSource;
  /** In place of Redis: the gateway's in-memory registry, read. */
  readonly presence?: PresenceReader;
}

export interface WebhooksDepsOptions {
  readonly logger: Logger;
  /** Ends the process with a configuration error found later (NATS refusing the credentials). */
  readonly fail: (error: unknown) => void;
  /** Process name on the NATS connection (`switchboard-webhooks` in production). */
  readonly natsName: string;
  readonly standIns?: WebhooksStandIns;
}

export interface WebhooksDeps extends WebhooksServiceDeps, AsyncDisposable {
  /** After the service closed: stops reaching NATS, drains it, ends the pool and Redis. */
  close(): Promise<void>;
}

/**
 * Builds every client the webhooks service needs from its configuration: Postgres (its schema, and the one read of
 * `apps`), NATS (connected in the background: events wait in JetStream while it is away), Redis (presence, read).
 * Each dependency unreachable at start is waited for (one log line each) and reported by `/readyz`, never a reason
 * to exit.
 */
export function createWebhooksDeps(config: WebhooksDepsConfig, options: WebhooksDepsOptions): WebhooksDeps {
  const { logger, fail } = options;
  const standIns = options.standIns ?? {};
  const dependencies = createDependencyStatus(logger);
  const stopping = new AbortController();

  let database: { db: Kysely<WebhooksDatabase>; target: string; close(): Promise<void> };
  if (standIns.database) {
    database = { ...standIns.database, close: async () => undefined };
  } else {
    if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
    const postgres = createPostgresDatabase<WebhooksDatabase>({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
    database = { db: postgres.db, target: databaseTarget(config.DATABASE_URL), close: () => postgres.close() };
  }

  let nats: Promise<NatsConnection> | undefined;
  let source = standIns.source;
  if (!source) {
    if (!config.NATS_URL) throw new Error('NATS_URL is required');
    const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
    nats = connectServiceNats(natsAuth, options.natsName, logger, { status: dependencies, signal: stopping.signal, fail });
    source = sourceOnceConnected(nats, (nc) =>
      createJetStreamEventSource({ nc, names: natsNames(config.NATS_PREFIX), logger, retryDelayMs: SOURCE_RETRY_DELAY_MS }),
    );
  }

  let redis: Redis | undefined;
  let presence = standIns.presence;
  if (!presence) {
    if (!config.REDIS_URL) throw new Error('REDIS_URL is required');
    // A presence read fails at once while Redis is away (the engine then says the recipient is offline).
    redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 });
    watchRedis(redis, dependencies, redisTarget(config.REDIS_URL));
    presence = createRedisPresenceReader({ redis, prefix: presenceKeyPrefix(config.REDIS_KEY_PREFIX) });
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopping.abort();
      await drainNats(nats, logger);
      await database.close();
      redis?.disconnect();
    })());
  return {
    db: database.db,
    databaseTarget: database.target,
    source,
    presence,
    logger,
    dependencies,
    close,
    [Symbol.asyncDispose]: close,
  };
}
