import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { INTERNAL_PATHS, SUBJECTS, type Conversation, type ConversationStatus, type CreatedApp, type Principal } from '@switchboard/protocol';
import { createTestDatabase, sleep, type TestDatabase } from '@switchboard/testing';
import { migrateToLatest } from '../src/db/migrate.js';
import { createPostgresDatabase } from '../src/db/postgres.js';
import type { Database } from '../src/db/schema.js';
import { AppError } from '../src/domain/errors.js';
import { createApp } from '../src/use-cases/apps.js';
import { openConversation } from '../src/use-cases/conversations.js';
import { sendMessages } from '../src/use-cases/messages.js';
import { readStream, request, startMessagesHarness, testLogger, type MessagesHarness } from './harness.js';
import { publishedUpdates } from './conversation-updates.js';

const HOUR_MS = 3_600_000;

/** Puts a conversation in a state as a PATCH would have (without its event: the tests count the reopening's). */
async function setStatus(db: Kysely<Database>, id: string, status: ConversationStatus): Promise<void> {
  const snoozed_until = status === 'snoozed' ? new Date(Date.now() + HOUR_MS) : null;
  await db.updateTable('conversations').set({ status, snoozed_until }).where('id', '=', id).execute();
}

describe('workflow - reopening by a message, through the service', () => {
  let h: MessagesHarness;
  let app: CreatedApp;
  beforeAll(async () => {
    h = await startMessagesHarness();
    app = await h.createApp('reopen');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  for (const status of ['closed', 'snoozed'] as const) {
    it(`reopen - a user's message to a ${status} conversation reopens it, with one conversation.updated on EVENTS`, async () => {
      const user = h.device(app, `user-${status}`);
      const c: Conversation = (await user.post('/v1/conversations')).body;
      await setStatus(h.db, c.id, status);
      expect((await h.agent(app).get(`/v1/conversations/${c.id}`)).body.status).toBe(status);

      const sent = await user.post(`/v1/conversations/${c.id}/messages`, { body: 'hello again', local_id: 'l1' });
      expect(sent.status).toBe(201);
      const seen: Conversation = (await h.agent(app).get(`/v1/conversations/${c.id}`)).body;
      expect(seen).toMatchObject({ status: 'open', snoozed_until: null, last_message_id: sent.body.id, unread_count: 1 });
      expect((await user.get(`/v1/conversations/${c.id}`)).body).toMatchObject({ status: 'open', snoozed_until: null });

      const events = (await publishedUpdates(h.db, h.nats.url, [c.id])).get(c.id)!;
      expect(events).toHaveLength(1);
      expect(events[0]!.msgId).toMatch(/^evt_/);
      expect(events[0]!.data).toEqual({ app_id: app.id, conversation: seen, user_unread_count: 0 });
      const created = (await readStream(h.nats.url)).filter((e) => e.subject === SUBJECTS.messageCreated && e.data.conversation_id === c.id);
      expect(created.map((e) => e.msgId)).toEqual([sent.body.id]);
    });

    it(`reopen - an agent's message to a ${status} conversation leaves it ${status}, and announces no change`, async () => {
      const user = h.device(app, `agent-${status}`);
      const c: Conversation = (await user.post('/v1/conversations')).body;
      await setStatus(h.db, c.id, status);
      const before = await h.db.selectFrom('conversations').select('snoozed_until').where('id', '=', c.id).executeTakeFirstOrThrow();

      const sent = await h.agent(app).post(`/v1/conversations/${c.id}/messages`, { body: 'we are on it', local_id: 'a1' });
      expect(sent.status).toBe(201);
      const seen: Conversation = (await h.agent(app).get(`/v1/conversations/${c.id}`)).body;
      expect(seen).toMatchObject({ status, snoozed_until: before.snoozed_until?.toISOString() ?? null, last_message_id: sent.body.id });
      expect((await user.get(`/v1/conversations/${c.id}`)).body.unread_count).toBe(1);

      await sleep(500); // time for the relay to publish anything it had
      expect((await publishedUpdates(h.db, h.nats.url, [c.id])).get(c.id)).toEqual([]);
    });
  }

  it("reopen - through the sockets' path (the internal API the gateway calls): a device's message reopens, an agent's does not", async () => {
    const user = h.device(app, 'socket-user');
    const c: Conversation = (await user.post('/v1/conversations')).body;
    await setStatus(h.db, c.id, 'snoozed');
    const send = (principal: object, local_id: string) =>
      request(h.url, 'POST', INTERNAL_PATHS.sendMessage, { body: { principal, conversation_id: c.id, body: 'via socket', local_id } });
    expect((await send({ kind: 'agent', app_id: app.id }, 'agent-1')).status).toBe(201);
    expect((await user.get(`/v1/conversations/${c.id}`)).body).toMatchObject({ status: 'snoozed', unread_count: 1 });
    expect((await send({ kind: 'device', app_id: app.id, device_id: 'socket-user' }, 'user-1')).status).toBe(201);
    expect((await h.agent(app).get(`/v1/conversations/${c.id}`)).body).toMatchObject({ status: 'open', snoozed_until: null, unread_count: 1 });
    expect((await publishedUpdates(h.db, h.nats.url, [c.id])).get(c.id)).toHaveLength(1);
  });

  it('reopen - 10 concurrent user messages to a closed conversation reopen it once: one event', async () => {
    const user = h.device(app, 'burst');
    const c: Conversation = (await user.post('/v1/conversations')).body;
    await setStatus(h.db, c.id, 'closed');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => user.post(`/v1/conversations/${c.id}/messages`, { body: `m${i}`, local_id: `m${i}` })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect((await user.get(`/v1/conversations/${c.id}`)).body.status).toBe('open');
    await sleep(500);
    const events = (await publishedUpdates(h.db, h.nats.url, [c.id])).get(c.id)!;
    expect(events).toHaveLength(1);
    expect(events[0]!.data.conversation).toMatchObject({ id: c.id, status: 'open', snoozed_until: null });
  });
});

describe('workflow - reopening in the send transaction (no relay: the outbox keeps every row)', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let close: () => Promise<void>;
  beforeAll(async () => {
    database = await createTestDatabase();
    const postgres = createPostgresDatabase({ connectionString: database.url, poolSize: 5, logger: testLogger() });
    db = postgres.db;
    close = () => postgres.close();
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  /** The outbox rows of a conversation, in insertion order, with the transaction that wrote each. */
  const outboxOf = async (id: string) =>
    (await sql<{ subject: string; payload: any; xmin: string }>`
      SELECT subject, payload, xmin::text AS xmin FROM outbox WHERE conversation_id = ${id} ORDER BY id`.execute(db)).rows;
  const xminOf = async (table: 'messages' | 'conversations', column: 'conversation_id' | 'id', id: string) =>
    (await sql<{ xmin: string }>`SELECT DISTINCT xmin::text AS xmin FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${id}`.execute(db)).rows.map(
      (r) => r.xmin,
    );

  const setup = async (deviceId: string) => {
    const app = await createApp(db, `tx-${deviceId}`);
    const user: Principal = { kind: 'device', app_id: app.id, device_id: deviceId };
    const agent: Principal = { kind: 'agent', app_id: app.id, agent_id: null, name: null };
    return { app, user, agent };
  };

  it('reopen - three user messages in one batch to a closed conversation: one reopening, its event after the messages, all in their transaction', async () => {
    const { user } = await setup('batch');
    const c = await openConversation(db, user);
    await setStatus(db, c.id, 'closed');
    let wakes = 0;
    const outcomes = await sendMessages(
      db,
      [1, 2, 3].map((i) => ({ principal: user, conversationId: c.id, body: `m${i}`, local_id: `m${i}` })),
      () => wakes++,
    );
    expect(wakes).toBe(1);
    const messages = outcomes.map((o) => {
      if (o instanceof AppError) throw o;
      return o.message;
    });

    const rows = await outboxOf(c.id);
    expect(rows.map((r) => r.subject)).toEqual([SUBJECTS.messageCreated, SUBJECTS.messageCreated, SUBJECTS.messageCreated, SUBJECTS.conversationUpdated]);
    expect(rows[3]!.payload).toMatchObject({
      app_id: c.app_id,
      conversation: { id: c.id, status: 'open', snoozed_until: null, last_message_id: messages[2]!.id, unread_count: 3 },
      user_unread_count: 0,
    });
    // One transaction wrote the messages, the conversation's change and both kinds of events.
    const [xmin] = await xminOf('messages', 'conversation_id', c.id);
    expect(await xminOf('messages', 'conversation_id', c.id)).toEqual([xmin]);
    expect(await xminOf('conversations', 'id', c.id)).toEqual([xmin]);
    expect([...new Set(rows.map((r) => r.xmin))]).toEqual([xmin]);
  });

  it('reopen - a batch mixing sides and conversations reopens each closed or snoozed one once, on its user message only', async () => {
    const { app, user, agent } = await setup('mixed');
    const other: Principal = { kind: 'device', app_id: app.id, device_id: 'mixed-2' };
    const closed = await openConversation(db, user);
    const snoozed = await openConversation(db, other);
    const agentOnly = await openConversation(db, { ...user, device_id: 'mixed-3' });
    await setStatus(db, closed.id, 'closed');
    await setStatus(db, snoozed.id, 'snoozed');
    await setStatus(db, agentOnly.id, 'closed');

    await sendMessages(
      db,
      [
        { principal: agent, conversationId: closed.id, body: 'agent first', local_id: 'a1' },
        { principal: user, conversationId: closed.id, body: 'then the user', local_id: 'u1' },
        { principal: other, conversationId: snoozed.id, body: 'wake up', local_id: 'u1' },
        { principal: agent, conversationId: agentOnly.id, body: 'agent only', local_id: 'a1' },
        { principal: other, conversationId: snoozed.id, body: 'again', local_id: 'u2' },
        { principal: user, conversationId: closed.id, body: 'and again', local_id: 'u2' },
      ],
      () => undefined,
    );
    const updates = async (id: string) => (await outboxOf(id)).filter((r) => r.subject === SUBJECTS.conversationUpdated);
    expect((await updates(closed.id)).map((r) => r.payload.conversation.status)).toEqual(['open']);
    expect((await updates(snoozed.id)).map((r) => [r.payload.conversation.status, r.payload.conversation.snoozed_until])).toEqual([['open', null]]);
    expect(await updates(agentOnly.id)).toEqual([]);
    const statuses = await db.selectFrom('conversations').select(['id', 'status', 'snoozed_until']).where('app_id', '=', app.id).execute();
    expect(Object.fromEntries(statuses.map((r) => [r.id, [r.status, r.snoozed_until]]))).toEqual({
      [closed.id]: ['open', null],
      [snoozed.id]: ['open', null],
      [agentOnly.id]: ['closed', null],
    });

    // The next user message to an open conversation changes nothing of its workflow: no event.
    await sendMessages(db, [{ principal: user, conversationId: closed.id, body: 'still here', local_id: 'u3' }], () => undefined);
    expect(await updates(closed.id)).toHaveLength(1);
  });
});
