import path from 'node:path';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import {
  connectNats,
  createJetStreamPublisher,
  createPgliteDatabase,
  createPgliteRelayCoordinator,
  createPgRelayCoordinator,
  createPostgresDatabase,
  type Database,
  type Publisher,
  type RelayCoordinator,
} from '@switchboard/messages';
import {
  createJetStreamFanout,
  createMemoryConnectionRegistry,
  createRedisConnectionRegistry,
  createRedisStreamsAdapter,
  type ConnectionRegistry,
  type FanoutSource,
} from '@switchboard/gateway';
import type { EmbeddedConfig } from './config.js';
import { createMemoryBus } from './memory-bus.js';

/** Every client the two services need, real or embedded, and how to close them (in reverse order). */
export interface Dependencies {
  readonly db: Kysely<Database>;
  readonly coordinator: RelayCoordinator;
  readonly publisher: Publisher;
  readonly fanout: FanoutSource;
  readonly registry: ConnectionRegistry;
  readonly adapter: ServerOptions['adapter'] | undefined;
  /** The external servers in use (`redis`, `nats`), by the names `/readyz` reports: true while each answers. */
  readonly checks: () => Readonly<Record<string, boolean>>;
  /** What was chosen, for the start-up log. */
  readonly chosen: Readonly<Record<'database' | 'bus' | 'presence', string>>;
  close(): Promise<void>;
}

/** The one place the embedded mode picks between the real servers and the stand-ins, by which URLs are set. */
export async function createDependencies(config: EmbeddedConfig, logger: Logger): Promise<Dependencies> {
  const closers: (() => Promise<unknown>)[] = [];
  const readiness: Record<string, () => boolean> = {};

  let db: Kysely<Database>;
  let coordinator: RelayCoordinator;
  let database: string;
  if (config.DATABASE_URL) {
    const postgres = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
    coordinator = createPgRelayCoordinator({ connectionString: config.DATABASE_URL, logger });
    closers.push(() => postgres.close(), () => coordinator.close());
    db = postgres.db;
    database = 'postgres (DATABASE_URL)';
  } else {
    const dir = path.resolve(config.DATA_DIR, 'pglite');
    const pglite = await createPgliteDatabase(dir);
    coordinator = await createPgliteRelayCoordinator(pglite.pglite);
    closers.push(() => pglite.close(), () => coordinator.close());
    db = pglite.db;
    database = `embedded PGlite in ${dir}`;
  }

  let publisher: Publisher;
  let fanout: FanoutSource;
  let bus: string;
  let redisReady = () => true;
  let registry: ConnectionRegistry;
  let adapter: ServerOptions['adapter'] | undefined;
  let presence: string;
  if (config.REDIS_URL) {
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
    redis.on('error', (error) => logger.debug({ err: error }, 'redis error'));
    closers.push(() => redis.quit().catch(() => redis.disconnect()));
    registry = createRedisConnectionRegistry({ redis, prefix: `${config.REDIS_KEY_PREFIX}:presence`, nodeTtlMs: config.NODE_TTL_MS, sweepLockMs: config.SWEEP_INTERVAL_MS });
    adapter = createRedisStreamsAdapter(redis, config.REDIS_KEY_PREFIX);
    redisReady = () => redis.status === 'ready';
    readiness.redis = redisReady;
    presence = 'redis (REDIS_URL)';
  } else {
    registry = createMemoryConnectionRegistry();
    adapter = undefined;
    presence = 'in-memory adapter, presence and sessions';
  }
  if (config.NATS_URL) {
    const nc = await connectNats({ url: config.NATS_URL, credsFile: config.NATS_CREDS }, 'switchboard-embedded', logger);
    closers.push(() => nc.drain().catch(() => nc.close()));
    const names = natsNames(config.NATS_PREFIX);
    publisher = createJetStreamPublisher({ connection: nc, logger, names });
    fanout = createJetStreamFanout({ nc, names, logger, canEmit: redisReady });
    readiness.nats = () => !nc.isClosed();
    bus = 'nats jetstream (NATS_URL)';
  } else {
    const memory = createMemoryBus();
    publisher = memory.publisher;
    fanout = memory.fanout;
    bus = 'in-memory bus';
  }

  return {
    db,
    coordinator,
    publisher,
    fanout,
    registry,
    adapter,
    checks: () => Object.fromEntries(Object.entries(readiness).map(([name, check]) => [name, check()])),
    chosen: { database, bus, presence },
    async close() {
      for (const close of closers.reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
    },
  };
}
