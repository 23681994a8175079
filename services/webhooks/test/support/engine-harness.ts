import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '@switchboard/logger';
import { createMetricsRegistry, type Registry } from '@switchboard/metrics';
import { natsNames, WEBHOOKS, type WebhookEventType } from '@switchboard/protocol';
import { startStack, type Stack } from '@switchboard/testing';
import type { WebhooksDatabase } from '../../src/db/schema.js';
import { migrateWebhooks } from '../../src/db/migrate.js';
import type { DeliveryEngine, DeliveryEngineSettings } from '../../src/delivery/delivery-engine.js';
import type { PresenceReader } from '../../src/delivery/presence-reader.js';
import { createDeliveryEngine } from '../../src/delivery/create-delivery-engine.js';
import { createJetStreamEventSource } from '../../src/delivery/jetstream-source.js';

/** Who is online, as the test says: the presence port's stand-in until the gateway records agents and users. */
export interface TestPresence extends PresenceReader {
  readonly devices: Set<string>;
  readonly users: Set<string>;
  readonly agentApps: Set<string>;
}

export function createTestPresence(): TestPresence {
  const devices = new Set<string>();
  const users = new Set<string>();
  const agentApps = new Set<string>();
  return {
    devices,
    users,
    agentApps,
    isDeviceOnline: async (appId, deviceId) => devices.has(`${appId}/${deviceId}`),
    isUserOnline: async (appId, userId) => users.has(`${appId}/${userId}`),
    isAnyAgentOnline: async (appId) => agentApps.has(appId),
  };
}

export interface EngineHarness extends AsyncDisposable {
  readonly stack: Stack;
  readonly db: Kysely<WebhooksDatabase>;
  readonly nc: NatsConnection;
  readonly presence: TestPresence;
  readonly metrics: Registry;
  /** Builds and starts another engine on the same database and bus (a second replica, other settings). */
  startEngine(settings?: Partial<DeliveryEngineSettings>): Promise<DeliveryEngine>;
  readonly engine: DeliveryEngine;
}

export const TEST_SETTINGS: DeliveryEngineSettings = Object.freeze({
  retryScheduleMs: [200, 400],
  allowInsecure: true,
  perEndpointConcurrency: 4,
  totalConcurrency: 64,
});

/**
 * The real stack (database, NATS, Redis, the messages service; no gateway), the webhooks schema migrated in the
 * same database, and a delivery engine in this process consuming the stack's JetStream.
 */
export async function startEngineHarness(settings: Partial<DeliveryEngineSettings> = {}): Promise<EngineHarness> {
  const stack = await startStack({ nodes: 0 });
  const pool = new pg.Pool({ connectionString: stack.database.url, max: 8 });
  pool.on('error', () => {});
  const db = new Kysely<WebhooksDatabase>({ dialect: new PostgresDialect({ pool }) });
  await migrateWebhooks(db);
  const nc = await connect({ servers: stack.natsUrl, name: 'webhooks-test' });
  const logger = createLogger({ service: 'webhooks-test', level: 'silent' });
  const presence = createTestPresence();
  const engines: DeliveryEngine[] = [];
  let metrics: Registry | undefined;
  const startEngine = async (overrides: Partial<DeliveryEngineSettings> = settings) => {
    const registry = createMetricsRegistry({ collectDefaults: false });
    metrics ??= registry;
    const engine = createDeliveryEngine({
      db,
      source: createJetStreamEventSource({ nc, names: natsNames(''), logger, retryDelayMs: 200 }),
      presence,
      settings: { ...TEST_SETTINGS, ...overrides },
      logger,
      metrics: registry,
    });
    engines.push(engine);
    await engine.start();
    return engine;
  };
  const engine = await startEngine();
  return {
    stack,
    db,
    nc,
    presence,
    metrics: metrics!,
    engine,
    startEngine,
    async [Symbol.asyncDispose]() {
      for (const e of engines) await e.stop();
      await nc.close();
      await db.destroy();
      await stack[Symbol.asyncDispose]();
    },
  };
}

export const newSecret = () => `${WEBHOOKS.secretPrefix}${randomBytes(WEBHOOKS.secretBytes).toString('base64')}`;

/** Registers an endpoint the way the operator route stores one. */
export async function addEndpoint(
  db: Kysely<WebhooksDatabase>,
  appId: string,
  url: string,
  events: WebhookEventType[] = ['message.created'],
): Promise<{ id: string; secret: string }> {
  const endpoint = { id: `whk_${randomBytes(12).toString('hex')}`, secret: newSecret() };
  await db.insertInto('webhooks.endpoints').values({ ...endpoint, app_id: appId, url, events }).execute();
  return endpoint;
}

export const deliveriesOf = (db: Kysely<WebhooksDatabase>, endpointId: string) =>
  db.selectFrom('webhooks.deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').execute();

/** What the manual retry route does to a delivery before it wakes the engine: due now, whatever its state. */
export async function retryNow(db: Kysely<WebhooksDatabase>, deliveryId: string): Promise<void> {
  await db
    .updateTable('webhooks.deliveries')
    .set({ status: 'pending', next_attempt_at: new Date(), claimed_until: null })
    .where('id', '=', deliveryId)
    .execute();
}
