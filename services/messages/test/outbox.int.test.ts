import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { natsNames, type CreatedApp, type Message } from '@switchboard/protocol';
import { createMetricsRegistry } from '@switchboard/metrics';
import { createTestDatabase, freeStablePort, sleep, startNatsServer, waitFor, type ServerProcess, type TestDatabase } from '@switchboard/testing';
import { migrateToLatest } from '../src/db/migrate.js';
import { createPostgresDatabase } from '../src/db/postgres.js';
import type { Database } from '../src/db/schema.js';
import type { OutboxWireRow } from '../src/repositories/outbox.js';
import { createMessagesMetrics } from '../src/metrics.js';
import { connectNats, createDependencyStatus } from '@switchboard/runtime';
import { createJetStreamPublisher } from '../src/outbox/jetstream-publisher.js';
import { createOutboxRelay } from '../src/outbox/outbox-relay.js';
import { createPgRelayCoordinator } from '../src/outbox/pg-relay-coordinator.js';
import { createApp } from '../src/use-cases/apps.js';
import { openConversation } from '../src/use-cases/conversations.js';
import { markRead, sendMessage } from '../src/use-cases/messages.js';
import { readStream, request, startMessagesHarness, testLogger, type MessagesHarness } from './harness.js';

describe('outbox through the service', () => {
  let h: MessagesHarness;
  let app: CreatedApp;
  beforeAll(async () => {
    h = await startMessagesHarness({ outboxPollIntervalMs: 200 });
    app = await h.createApp('outbox');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('outbox - every message is published once on message.created with Nats-Msg-Id = message id', async () => {
    const device = h.device(app, 'pub');
    const c = (await device.post('/v1/conversations')).body;
    const sent: Message[] = [];
    for (let i = 0; i < 25; i++) sent.push((await device.post(`/v1/conversations/${c.id}/messages`, { body: `m${i}`, local_id: `l${i}` })).body);
    // A retry writes no second event.
    await device.post(`/v1/conversations/${c.id}/messages`, { body: 'again', local_id: 'l0' });

    const created = await waitFor(async () => {
      const entries = (await readStream(h.nats.url)).filter((e) => e.subject === 'message.created' && e.data.conversation_id === c.id);
      return entries.length >= 25 && (await h.count('outbox')) === 0 ? entries : undefined;
    });
    expect(created).toHaveLength(25);
    expect(created.map((e) => e.msgId)).toEqual(sent.map((m) => m.id));
    expect(created.map((e) => e.data)).toEqual(sent.map((m) => ({ ...m, app_id: app.id })));
  });

  it('outbox - a read marker moving forward publishes message.status; one that does not move publishes nothing', async () => {
    const device = h.device(app, 'status');
    const c = (await device.post('/v1/conversations')).body;
    const m1: Message = (await device.post(`/v1/conversations/${c.id}/messages`, { body: 'a', local_id: 'a' })).body;
    const m2: Message = (await device.post(`/v1/conversations/${c.id}/messages`, { body: 'b', local_id: 'b' })).body;
    await h.agent(app).post(`/v1/conversations/${c.id}/read`, { last_read_message_id: m2.id });
    await h.agent(app).post(`/v1/conversations/${c.id}/read`, { last_read_message_id: m1.id });
    await h.agent(app).post(`/v1/conversations/${c.id}/read`, { last_read_message_id: m2.id });
    const statuses = await waitFor(async () => {
      const entries = (await readStream(h.nats.url)).filter((e) => e.subject === 'message.status' && e.data.conversation_id === c.id);
      return entries.length >= 1 && (await h.count('outbox')) === 0 ? entries : undefined;
    });
    expect(statuses.map((e) => e.data)).toEqual([
      { app_id: app.id, conversation_id: c.id, message_id: m2.id, status: 'read', reader: 'agent' },
    ]);
  });

  it('outbox - with NATS killed writes still succeed and stay ready; every event arrives after NATS restarts', async () => {
    const device = h.device(app, 'outage');
    const c = (await device.post('/v1/conversations')).body;
    await h.nats.kill();
    const sent: Message[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await device.post(`/v1/conversations/${c.id}/messages`, { body: `during outage ${i}`, local_id: `o${i}` });
      expect(response.status).toBe(201);
      sent.push(response.body);
    }
    expect((await request(h.url, 'GET', '/readyz')).status).toBe(200);
    const metrics: string = (await request(h.url, 'GET', '/metrics')).body;
    expect(Number(/^switchboard_outbox_backlog\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(30);

    await h.nats.start();
    const created = await waitFor(
      async () => {
        const entries = (await readStream(h.nats.url)).filter((e) => e.subject === 'message.created' && e.data.conversation_id === c.id);
        return entries.length >= 30 && (await h.count('outbox')) === 0 ? entries : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(created.map((e) => e.msgId)).toEqual(sent.map((m) => m.id));
    const after: string = (await request(h.url, 'GET', '/metrics')).body;
    expect(after).toMatch(/^switchboard_outbox_backlog\{[^}]*\} 0$/m);
    expect(after).toMatch(/^switchboard_outbox_publish_failures_total\{subject="message.created"[^}]*\} [1-9]/m);
  });

  it('outbox - two replicas: each event once, in seq order per conversation, whichever replica wrote it', async () => {
    await using replica = await h.startReplica();
    const replicaDevice = (deviceId: string) => ({
      post: (path: string, body: unknown) =>
        request(replica.url, 'POST', path, { headers: { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key }, body }),
    });
    const conversations = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map(async (d) => ({ device: d, c: (await h.device(app, d).post('/v1/conversations')).body })),
    );
    await Promise.all(
      conversations.map(async ({ device, c }) => {
        for (let i = 0; i < 20; i++) {
          const via = i % 2 ? replicaDevice(device) : h.device(app, device);
          expect((await via.post(`/v1/conversations/${c.id}/messages`, { body: `x${i}`, local_id: `x${i}` })).status).toBe(201);
        }
      }),
    );
    const ids = new Set(conversations.map(({ c }) => c.id));
    const created = await waitFor(async () => {
      const entries = (await readStream(h.nats.url)).filter((e) => e.subject === 'message.created' && ids.has(e.data.conversation_id));
      return entries.length >= 80 && (await h.count('outbox')) === 0 ? entries : undefined;
    });
    expect(created).toHaveLength(80);
    expect(new Set(created.map((e) => e.msgId)).size).toBe(80);
    for (const id of ids) {
      const seqs = created.filter((e) => e.data.conversation_id === id).map((e) => e.data.seq);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
  });
});

describe('outbox relay crashes', () => {
  let database: TestDatabase;
  let nats: ServerProcess;
  let db: Kysely<Database>;
  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await startNatsServer();
    db = createPostgresDatabase({ connectionString: database.url, poolSize: 10, logger: testLogger() }).db;
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await nats?.[Symbol.asyncDispose]();
    await database?.drop();
  });

  const startRelay = async (afterPublish?: (rows: readonly OutboxWireRow[]) => Promise<void>) => {
    const logger = testLogger();
    const nc = await connectNats(nats.url, 'relay-test', logger, { status: createDependencyStatus(logger) });
    const coordinator = createPgRelayCoordinator({ connectionString: database.url, logger });
    const metrics = createMessagesMetrics(createMetricsRegistry({ collectDefaults: false }), db);
    const relay = createOutboxRelay({
      db,
      publisher: createJetStreamPublisher({ connection: nc, logger, names: natsNames() }),
      coordinator,
      logger,
      metrics: { published: metrics.outboxPublished, failed: metrics.outboxFailed },
      batchSize: 500,
      pollIntervalMs: 100,
      ...(afterPublish ? { afterPublish } : {}),
    });
    relay.start();
    return { relay, coordinator, nc, metrics };
  };

  it('relay - killed between the PubAck and the delete: the next relay republishes and the stream has no duplicate', async () => {
    const created = await createApp(db, 'crash');
    const principal = { kind: 'device' as const, app_id: created.id, device_id: 'd' };
    const c = await openConversation(db, principal);
    const sent: Message[] = [];
    for (let i = 0; i < 10; i++) sent.push((await sendMessage(db, principal, c.id, { body: `b${i}`, local_id: `c${i}` })).message);
    await markRead(db, { kind: 'agent', app_id: created.id, agent_id: null, name: null }, c.id, sent[9]!.id);

    // Relay A publishes, then "dies" before it removes the rows: its hook never returns, and its session ends.
    let published: readonly OutboxWireRow[] = [];
    let signalCrash!: () => void;
    const crashed = new Promise<void>((resolve) => (signalCrash = resolve));
    const a = await startRelay(async (rows) => {
      published = rows;
      signalCrash();
      await new Promise<never>(() => {});
    });
    await crashed;
    expect(published).toHaveLength(11);
    await a.coordinator.close(); // as the death of its process would: the lease is free again
    await a.nc.close();
    expect((await readStream(nats.url)).length).toBe(11);
    expect(await db.selectFrom('outbox').select('id').execute()).toHaveLength(11);

    // Relay B finds the same 11 rows, publishes them again; JetStream answers duplicate and stores nothing new.
    const b = await startRelay();
    await waitFor(async () => (await db.selectFrom('outbox').select('id').execute()).length === 0);
    await b.relay.close();
    await b.coordinator.close();
    await b.nc.close();
    const stream = await readStream(nats.url);
    expect(stream.map((e) => e.msgId)).toEqual([...sent.map((m) => m.id), `read.${c.id}.agent.10`]);
    expect(new Set(stream.map((e) => e.msgId)).size).toBe(stream.length);
  });

  it('relay - waiting out its backoff after failed publishes, it publishes at once when told the broker is back (retryNow)', async () => {
    const logger = testLogger();
    const created = await createApp(db, 'retry-now');
    const principal = { kind: 'device' as const, app_id: created.id, device_id: 'd' };
    const c = await openConversation(db, principal);
    let down = true;
    const attempts: string[] = [];
    const metrics = createMessagesMetrics(createMetricsRegistry({ collectDefaults: false }), db);
    const coordinator = createPgRelayCoordinator({ connectionString: database.url, logger });
    const relay = createOutboxRelay({
      db,
      publisher: {
        publish: async (_subject, _data, msgId) => {
          attempts.push(msgId);
          if (down) throw new Error('broker unreachable');
          return { duplicate: false };
        },
      },
      coordinator,
      logger,
      metrics: { published: metrics.outboxPublished, failed: metrics.outboxFailed },
      batchSize: 500,
      pollIntervalMs: 100,
      backoffMs: () => 60_000, // a long wait: only retryNow ends it within the test
    });
    try {
      relay.start();
      await sendMessage(db, principal, c.id, { body: 'held', local_id: 'held-1' });
      await waitFor(() => attempts.length === 1, { message: 'first attempt' });
      down = false;
      await sleep(300);
      expect(attempts).toHaveLength(1); // still waiting out the backoff
      relay.retryNow();
      await waitFor(async () => (await db.selectFrom('outbox').select('id').execute()).length === 0, { timeoutMs: 2000, message: 'published after retryNow' });
      expect(attempts).toHaveLength(2);
    } finally {
      await relay.close();
      await coordinator.close();
    }
  });

  it('relay - a message written after NATS returned is published at once, though the relay had begun a stream check while NATS was away', async () => {
    const logger = testLogger();
    // Its own server on a fixed port, restarted on its store, and the service's connection and wiring: NATS back →
    // `retryNow` (app.ts).
    await using server = await startNatsServer({ port: await freeStablePort() });
    const status = createDependencyStatus(logger);
    const nc = await connectNats(server.url, 'relay-return', logger, { status });
    const created = await createApp(db, 'return');
    const principal = { kind: 'device' as const, app_id: created.id, device_id: 'd' };
    const c = await openConversation(db, principal);
    const metrics = createMessagesMetrics(createMetricsRegistry({ collectDefaults: false }), db);
    const coordinator = createPgRelayCoordinator({ connectionString: database.url, logger });
    const relay = createOutboxRelay({
      db,
      // A short PubAck wait and backoff: within a 1.5 s outage the relay fails a batch, then checks the stream again
      // before the next, a check whose request goes with the connection.
      publisher: createJetStreamPublisher({ connection: nc, logger, names: natsNames(), timeoutMs: 300 }),
      coordinator,
      logger,
      metrics: { published: metrics.outboxPublished, failed: metrics.outboxFailed },
      batchSize: 500,
      pollIntervalMs: 100,
      backoffMs: () => 50,
    });
    status.onBack(() => relay.retryNow());
    const inStream = async (id: string) => (await readStream(server.url)).some((e) => e.msgId === id);
    try {
      relay.start();
      const before = (await sendMessage(db, principal, c.id, { body: 'before', local_id: 'r0' })).message;
      await waitFor(() => inStream(before.id), { message: 'published before the outage' });
      await server.kill();
      await sendMessage(db, principal, c.id, { body: 'during', local_id: 'r1' });
      await sleep(1500);
      await server.start();
      await waitFor(() => status.state('nats') === 'ok', { timeoutMs: 5000, message: 'relay connection back' });
      const back = Date.now();
      const after = (await sendMessage(db, principal, c.id, { body: 'after', local_id: 'r2' })).message;
      // Was: held until the check begun during the outage timed out (JetStream's API timeout, 5 s).
      await waitFor(() => inStream(after.id), { timeoutMs: 1500, intervalMs: 50, message: 'published within 1.5 s of the return' });
      expect(Date.now() - back).toBeLessThan(1500);
    } finally {
      await relay.close();
      await coordinator.close();
      await nc.close();
    }
  });

  it('relay - a standby replica does not publish while another holds the lease, and takes over when it is gone', async () => {
    const leader = await startRelay();
    await waitFor(() => leader.coordinator.leading);
    const standby = await startRelay();
    await sleep(300); // it has tried for the lease by now
    expect(standby.coordinator.leading).toBe(false);
    await leader.relay.close();
    await leader.coordinator.close();
    await leader.nc.close();

    const created = await createApp(db, 'failover');
    const principal = { kind: 'device' as const, app_id: created.id, device_id: 'd' };
    const c = await openConversation(db, principal);
    const m = (await sendMessage(db, principal, c.id, { body: 'after failover', local_id: 'f1' })).message;
    await waitFor(async () => (await readStream(nats.url)).some((e) => e.msgId === m.id), { timeoutMs: 5000 });
    expect(standby.coordinator.leading).toBe(true);
    await standby.relay.close();
    await standby.coordinator.close();
    await standby.nc.close();
  });
});
