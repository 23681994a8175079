import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import {
  createApiRateLimiter,
  createPgliteDatabase,
  createPgliteRelayCoordinator,
  type MessagesStandIns,
} from '@switchboard/messages';
import { createLocalRooms, createMemoryConnectionRegistry, type GatewayStandIns } from '@switchboard/gateway';
import { createMemoryPresence } from '@switchboard/presence';
import { type WebhooksDatabase, type WebhooksStandIns } from '@switchboard/webhooks';
import type { EmbeddedConfig } from './config.js';
import { createMemoryBus } from './memory-bus.js';

/** What the three services get in place of the servers whose URLs are not set. */
export interface StandIns {
  readonly messages: MessagesStandIns;
  readonly gateway: GatewayStandIns;
  readonly webhooks: WebhooksStandIns;
  /** What was chosen, for the start-up log. */
  readonly chosen: Readonly<Record<'database' | 'bus' | 'presence', string>>;
}

/**
 * The one place the embedded mode picks between the real servers and the stand-ins, by which URLs are set; the
 * real ones are built by each service's own `createXDeps`, the same as in production.
 */
export async function createStandIns(config: EmbeddedConfig, logger: Logger): Promise<StandIns> {
  let messages: MessagesStandIns = {
    // One process: its own buckets are the whole platform's.
    rateLimiter: createApiRateLimiter({ perSecond: config.API_RATE_PER_SECOND, keyPrefix: config.REDIS_KEY_PREFIX }),
  };
  let gateway: GatewayStandIns = { messagesInProcess: true };
  let webhooks: WebhooksStandIns = {};

  let database: string;
  if (config.DATABASE_URL) {
    database = 'postgres (DATABASE_URL)';
  } else {
    const dir = path.resolve(config.DATA_DIR, 'pglite');
    const pglite = await createPgliteDatabase(dir);
    const coordinator = await createPgliteRelayCoordinator(pglite.pglite);
    database = `embedded PGlite in ${dir}`;
    messages = { ...messages, database: { db: pglite.db, coordinator, target: database, close: () => pglite.close() } };
    // The same Kysely, so the same queue in front of PGlite's one session (a second Kysely on it would interleave
    // transactions): the webhooks service's schema beside the messages service's. Only the table map differs, which
    // Kysely's types cannot widen to (they are invariant in it), hence the cast.
    webhooks = { ...webhooks, database: { db: pglite.db as unknown as Kysely<WebhooksDatabase>, target: database } };
  }

  let presence: string;
  if (config.REDIS_URL) {
    presence = 'redis (REDIS_URL)';
  } else {
    const memory = createMemoryPresence();
    gateway = { ...gateway, registry: createMemoryConnectionRegistry(memory) };
    webhooks = { ...webhooks, presence: memory.reader };
    presence = 'in-memory adapter, presence and sessions';
  }

  let bus: string;
  if (config.NATS_URL) {
    bus = 'nats jetstream (NATS_URL)';
  } else {
    const memory = createMemoryBus();
    messages = { ...messages, publisher: memory.publisher };
    // One process: a room's events reach its sockets here, with no interest to register.
    gateway = { ...gateway, fanout: memory.fanout, events: memory.events, rooms: createLocalRooms };
    webhooks = { ...webhooks, source: memory.webhooks };
    bus = 'in-memory bus';
  }

  return { messages, gateway, webhooks, chosen: { database, bus, presence } };
}
