import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { restPath, REST_PATHS, WORKFLOW, type Conversation, type CreatedApp, type Principal } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { postgresAdminUrl, sleep, waitFor } from '@switchboard/testing';
import type { Kysely } from 'kysely';
import type { ConversationRow, Database } from '../src/db/schema.js';
import { openConversation } from '../src/use-cases/conversations.js';
import { reopenDueConversations } from '../src/use-cases/snooze-wakeup.js';
import { request, startMessagesHarness, type MessagesHarness, type Replica } from './harness.js';
import { publishedUpdates } from './conversation-updates.js';

const REOPENED = 'switchboard_messages_snooze_reopened_total';
/** Small batches, so that 200 due conversations take many transactions and both replicas' ticks overlap. */
const BATCH_SIZE = 10;

/** Puts conversations to sleep until `until`, as a PATCH would (without its event: these tests count the wake-up's). */
async function snoozeUntil(db: Kysely<Database>, ids: readonly string[], until: Date): Promise<void> {
  await db.updateTable('conversations').set({ status: 'snoozed', snoozed_until: until }).where('id', 'in', ids).execute();
}

/** The value of an unlabelled counter in a service's `/metrics`. */
async function metricValue(serviceUrl: string, name: string): Promise<number> {
  const text: string = (await request(serviceUrl, 'GET', '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

const device = (app: CreatedApp, deviceId: string): Principal => ({ kind: 'device', app_id: app.id, device_id: deviceId });
const rowsOf = (h: MessagesHarness, ids: readonly string[]) =>
  h.db.selectFrom('conversations').selectAll().where('id', 'in', ids).execute();

describe('snooze wake-up with two replicas', () => {
  let h: MessagesHarness;
  let second: Replica;
  let app: CreatedApp;
  const open = async (n: number, prefix: string) =>
    Promise.all(Array.from({ length: n }, async (_, i) => (await openConversation(h.db, device(app, `${prefix}-${i}`))).id));
  const reopenedTotal = async () => (await metricValue(h.url, REOPENED)) + (await metricValue(second.url, REOPENED));

  beforeAll(async () => {
    // The default interval (1 s): the bound is shown for what production runs.
    h = await startMessagesHarness({ env: { SNOOZE_WAKEUP_BATCH_SIZE: String(BATCH_SIZE) } });
    second = await h.startReplica();
    app = await h.createApp('snooze');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('snooze - a conversation snoozed until now + 2 s reopens within 5 s of that time, not before, with one conversation.updated', async () => {
    const [id] = await open(1, 'one');
    const before = await reopenedTotal();
    const until = new Date(Date.now() + 2000);
    await snoozeUntil(h.db, [id!], until);

    await sleep(1000);
    expect((await rowsOf(h, [id!]))[0]).toMatchObject({ status: 'snoozed', snoozed_until: until });
    const reopened = await waitFor(async () => ((await rowsOf(h, [id!]))[0]!.status === 'open' ? Date.now() : undefined), {
      timeoutMs: 8000,
      intervalMs: 50,
    });
    expect(reopened - until.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);
    const [row] = await rowsOf(h, [id!]);
    expect(row).toMatchObject({ status: 'open', snoozed_until: null });
    // The database's clock: reopened at or after snoozed_until, and within the bound.
    expect(row!.updated_at.getTime()).toBeGreaterThanOrEqual(until.getTime());
    expect(row!.updated_at.getTime() - until.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);

    await sleep(1500); // more ticks of both replicas: nothing more is written
    const events = (await publishedUpdates(h.db, h.nats.url, [id!])).get(id!)!;
    expect(events).toHaveLength(1);
    expect(events[0]!.msgId).toMatch(/^evt_/);
    expect(events[0]!.data).toEqual({
      app_id: app.id,
      conversation: expect.objectContaining({ id, status: 'open', snoozed_until: null, updated_at: row!.updated_at.toISOString() }),
      user_unread_count: 0,
    });
    expect((await reopenedTotal()) - before).toBe(1);
  });

  it('snooze - 200 conversations due at once on two replicas: each reopened exactly once, one event each', async () => {
    const ids = await open(200, 'many');
    const before = await reopenedTotal();
    const until = new Date(Date.now() + 1500);
    await snoozeUntil(h.db, ids, until);

    const done = await waitFor(
      async () => ((await rowsOf(h, ids)).every((r) => r.status === 'open') ? Date.now() : undefined),
      { timeoutMs: 10_000, intervalMs: 50, message: 'all 200 reopened' },
    );
    expect(done - until.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);
    for (const row of await rowsOf(h, ids)) {
      expect(row.snoozed_until).toBeNull();
      expect(row.updated_at.getTime()).toBeGreaterThanOrEqual(until.getTime());
    }

    await sleep(1500);
    const events = await publishedUpdates(h.db, h.nats.url, ids);
    for (const id of ids) expect(events.get(id), id).toHaveLength(1);
    const msgIds = [...events.values()].flat().map((e) => e.msgId);
    expect(new Set(msgIds).size).toBe(200);
    // Between them the two replicas reopened 200: none twice.
    expect((await reopenedTotal()) - before).toBe(200);
  });

  it('snooze - ticks racing on many connections (and both replicas) take disjoint rows', async () => {
    const ids = await open(100, 'race');
    await snoozeUntil(h.db, ids, new Date(Date.now() - 1000)); // already due: the replicas race the test's ticks
    const taken: ConversationRow[] = [];
    const ticker = async () => {
      for (;;) {
        const rows = await reopenDueConversations(h.db, 3, () => undefined);
        taken.push(...rows);
        if (rows.length === 0) return;
      }
    };
    await Promise.all(Array.from({ length: 5 }, ticker));
    const mine = taken.filter((r) => ids.includes(r.id)).map((r) => r.id);
    expect(new Set(mine).size).toBe(mine.length);
    await waitFor(async () => (await rowsOf(h, ids)).every((r) => r.status === 'open'));
    const events = await publishedUpdates(h.db, h.nats.url, ids);
    for (const id of ids) expect(events.get(id), id).toHaveLength(1);
  });

  it('snooze - a conversation re-timed further is not reopened at its first time, and reopens once at the new one', async () => {
    const [id] = await open(1, 'retimed');
    const first = new Date(Date.now() + 1500);
    await snoozeUntil(h.db, [id!], first);
    await sleep(300);
    const later = new Date(Date.now() + 4000);
    await snoozeUntil(h.db, [id!], later);

    await sleep(first.getTime() + 1500 - Date.now()); // past the first time, and more than a tick of each replica
    expect((await rowsOf(h, [id!]))[0]).toMatchObject({ status: 'snoozed', snoozed_until: later });
    await waitFor(async () => (await rowsOf(h, [id!]))[0]!.status === 'open', { timeoutMs: 8000, intervalMs: 50 });
    const [row] = await rowsOf(h, [id!]);
    expect(row!.updated_at.getTime()).toBeGreaterThanOrEqual(later.getTime());
    expect(row!.updated_at.getTime() - later.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);
    await sleep(1200);
    expect((await publishedUpdates(h.db, h.nats.url, [id!])).get(id!)).toHaveLength(1);
  });

  it('snooze - through PATCH: snoozed, re-timed, then woken by the timer: three events on EVENTS, in that order', async () => {
    const agent = h.agent(app);
    const c: Conversation = (await h.device(app, 'patched').post('/v1/conversations')).body;
    const path = restPath(REST_PATHS.conversation, c.id);
    const first = new Date(Date.now() + 1500).toISOString();
    expect((await agent.patch(path, { status: 'snoozed', snoozed_until: first })).body).toMatchObject({ status: 'snoozed', snoozed_until: first });
    const later = new Date(Date.now() + 3000);
    expect((await agent.patch(path, { snoozed_until: later.toISOString() })).body).toMatchObject({ status: 'snoozed', snoozed_until: later.toISOString() });

    const reopened = await waitFor(async () => ((await agent.get(path)).body.status === 'open' ? Date.now() : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect(reopened).toBeGreaterThanOrEqual(later.getTime());
    expect(reopened - later.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);
    await sleep(1200);
    const events = (await publishedUpdates(h.db, h.nats.url, [c.id])).get(c.id)!;
    expect(events.map((e) => [e.data.conversation.status, e.data.conversation.snoozed_until])).toEqual([
      ['snoozed', first],
      ['snoozed', later.toISOString()],
      ['open', null],
    ]);
    expect(events.at(-1)!.data.conversation).toEqual((await agent.get(path)).body);
    expect(new Set(events.map((e) => e.msgId)).size).toBe(3);
  });

  it('snooze - a conversation woken (or closed) by someone else first is left alone', async () => {
    const [reopenedByUser, closed] = await open(2, 'other-writer');
    await snoozeUntil(h.db, [reopenedByUser!, closed!], new Date(Date.now() + 1500));
    // Before it is due, one is reopened and one closed by other writers (as a user's message and a PATCH do).
    await h.db.updateTable('conversations').set({ status: 'open', snoozed_until: null }).where('id', '=', reopenedByUser!).execute();
    await h.db.updateTable('conversations').set({ status: 'closed', snoozed_until: null }).where('id', '=', closed!).execute();
    await sleep(3000);
    expect((await rowsOf(h, [reopenedByUser!, closed!])).map((r) => [r.id, r.status]).sort()).toEqual(
      [[reopenedByUser, 'open'], [closed, 'closed']].sort(),
    );
    const events = await publishedUpdates(h.db, h.nats.url, [reopenedByUser!, closed!]);
    expect([...events.values()].flat()).toEqual([]);
  });
});

describe('snooze wake-up and a database outage', () => {
  const lines: Array<{ level: string; msg: string; component?: string }> = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  let h: MessagesHarness;
  let app: CreatedApp;

  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: postgresAdminUrl() });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    h = await startMessagesHarness({ logger: createLogger({ service: 'messages', level: 'debug', destination: capture }) });
    app = await h.createApp('snooze-outage');
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE "${h.database.name}" ALLOW_CONNECTIONS true`).catch(() => {});
    await h?.[Symbol.asyncDispose]();
  });

  it('snooze - with the database down the service keeps running, logs the failure once, and reopens once it is back', async () => {
    const { id } = await openConversation(h.db, device(app, 'outage'));
    await snoozeUntil(h.db, [id], new Date(Date.now() + 1000)); // due during the outage

    // Postgres refuses this database and drops every session to it: the ticks fail for ~3 s.
    await admin(`ALTER DATABASE "${h.database.name}" ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${h.database.name}'`);
    await sleep(3000);
    expect((await request(h.url, 'GET', '/healthz')).status).toBe(200);

    const back = Date.now();
    await admin(`ALTER DATABASE "${h.database.name}" ALLOW_CONNECTIONS true`);
    await waitFor(async () => (await rowsOf(h, [id]))[0]!.status === 'open', { timeoutMs: 10_000, intervalMs: 100 });
    const [row] = await rowsOf(h, [id]);
    expect(row!.snoozed_until).toBeNull();
    expect(row!.updated_at.getTime()).toBeGreaterThanOrEqual(back); // reopened after the database came back
    expect((await publishedUpdates(h.db, h.nats.url, [id])).get(id)).toHaveLength(1);

    const wakeup = lines.filter((l) => l.component === 'snooze-wakeup');
    expect(wakeup.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['snooze wake-up failed; retrying']);
    expect(wakeup.filter((l) => l.level === 'debug' && l.msg === 'snooze wake-up failed; retrying').length).toBeGreaterThan(0);
    expect(wakeup.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual(['snooze wake-up recovered']);
    expect((await request(h.url, 'GET', '/readyz')).status).toBe(200);
  });
});
