import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Principal } from '@switchboard/protocol';
import { deleteOutboxEvents, fetchOutboxBatch } from '../src/repositories/outbox.js';
import { generateKeyPair, exportJWK } from 'jose';
import { createAppAuthCache } from '../src/identity/app-auth-cache.js';
import { createApp, updateAppPolicy } from '../src/use-cases/apps.js';
import { createIdentityKey, removeIdentityKey } from '../src/use-cases/identity-keys.js';
import { openConversation, pageConversations } from '../src/use-cases/conversations.js';
import { updateConversation } from '../src/use-cases/conversation-workflow.js';
import { AppError } from '../src/domain/errors.js';
import { markRead, pageMessages, sendMessage, sendMessages } from '../src/use-cases/messages.js';
import { createSendBatcher } from '../src/use-cases/send-batcher.js';
import { rotateCredentials } from '../src/use-cases/rotate-credentials.js';
import { reopenDueConversations } from '../src/use-cases/snooze-wakeup.js';
import { hashSecret } from '../src/domain/secrets.js';

/**
 * What the messages service needs from its database, run against real Postgres and against the embedded PGlite
 * (`npm start`): the same use cases must behave the same on both.
 */
export function databaseContract(name: string, open: () => Promise<{ db: Kysely<Database>; close(): Promise<void> }>) {
  describe(`database contract: ${name}`, () => {
    // One database per suite (a PGlite instance costs seconds and hundreds of MiB); tests keep apart by app.
    let handle: { db: Kysely<Database>; close(): Promise<void> } | undefined;
    beforeAll(async () => {
      handle = await open();
      await migrateToLatest(handle.db);
    });
    afterAll(async () => {
      await handle?.close();
    });
    const withDb = (fn: (db: Kysely<Database>) => Promise<void>) => fn(handle!.db);
    const setup = async (db: Kysely<Database>) => {
      const app = await createApp(db, 'contract');
      const device: Principal = { kind: 'device', app_id: app.id, device_id: 'device' };
      const agent: Principal = { kind: 'agent', app_id: app.id, agent_id: null, name: null };
      const conversation = await openConversation(db, device);
      return { app, device, agent, conversation };
    };

    it(`${name} - migrations are idempotent`, () =>
      withDb(async (db) => {
        const again = await migrateToLatest(db);
        expect(again.results).toEqual([]);
      }));

    it(`${name} - snooze wake-up: due conversations reopen once each, with one conversation.updated, in batches; racing ticks share nothing`, () =>
      withDb(async (db) => {
        const { app, device } = await setup(db);
        const ids = await Promise.all(Array.from({ length: 7 }, async (_, i) => (await openConversation(db, { ...device, device_id: `sleeper-${i}` })).id));
        const due = ids.slice(0, 5);
        const later = ids.slice(5);
        await db.updateTable('conversations').set({ status: 'snoozed', snoozed_until: sql`now() - interval '1 second'` }).where('id', 'in', due).execute();
        await db.updateTable('conversations').set({ status: 'snoozed', snoozed_until: sql`now() + interval '1 hour'` }).where('id', 'in', later).execute();
        let wakes = 0;
        // Racing ticks of 2: on PGlite they take turns on its one session; on Postgres SKIP LOCKED keeps them apart.
        const ticks = await Promise.all([1, 2, 3, 4].map(() => reopenDueConversations(db, 2, () => wakes++)));
        const rest = await reopenDueConversations(db, 2, () => wakes++);
        const reopened = [...ticks.flat(), ...rest].map((row) => row.id);
        expect(reopened.sort()).toEqual([...due].sort());
        expect(wakes).toBe([...ticks, rest].filter((rows) => rows.length > 0).length);
        const rows = await db.selectFrom('conversations').select(['id', 'status', 'snoozed_until']).where('id', 'in', ids).execute();
        for (const row of rows) expect(row.status).toBe(due.includes(row.id) ? 'open' : 'snoozed');
        for (const row of rows.filter((r) => due.includes(r.id))) expect(row.snoozed_until).toBeNull();
        const events = (await fetchOutboxBatch(db, 10_000)).filter((e) => e.subject === 'conversation.updated' && ids.includes(e.conversation_id!));
        expect(events.map((e) => e.conversation_id).sort()).toEqual([...due].sort());
        for (const event of events) {
          expect(event.payload).toMatchObject({ app_id: app.id, conversation: { id: event.conversation_id, status: 'open', snoozed_until: null } });
        }
        expect(await reopenDueConversations(db, 2, () => wakes++)).toEqual([]);
      }));

    it(`${name} - concurrent sends: one row per local_id, seq 1..N without holes`, () =>
      withDb(async (db) => {
        const { device, agent, conversation } = await setup(db);
        const same = await Promise.all(Array.from({ length: 10 }, (_, i) => sendMessage(db, i % 2 ? agent : device, conversation.id, { body: `try ${i}`, local_id: 'same' })));
        expect(same.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(same.map((r) => r.message.id)).size).toBe(1);
        await Promise.all(Array.from({ length: 20 }, (_, w) => (async () => {
          for (let i = 0; i < 5; i++) await sendMessage(db, device, conversation.id, { body: `w${w}`, local_id: `w${w}-${i}` });
        })()));
        const page = await pageMessages(db, device, conversation.id, { limit: 200 });
        expect(page.data.map((m) => m.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
      }));

    it(`${name} - a batch of sends: one transaction, and each request its own answer`, () =>
      withDb(async (db) => {
        const { app, device, agent, conversation: a } = await setup(db);
        const device2: Principal = { kind: 'device', app_id: app.id, device_id: 'device-2' };
        const b = await openConversation(db, device2);
        const other = await setup(db); // another app
        const old = (await sendMessage(db, device, a.id, { body: 'old', local_id: 'old' })).message;
        let wakes = 0;
        const outcomes = await sendMessages(
          db,
          [
            { principal: device, conversationId: a.id, body: 'a1', local_id: 'n1' },
            { principal: device2, conversationId: b.id, body: 'b1', local_id: 'n1' },
            { principal: device, conversationId: a.id, body: 'retry of old', local_id: 'old' },
            { principal: agent, conversationId: a.id, body: 'a2', local_id: 'n2' },
            { principal: device, conversationId: a.id, body: 'retry in the batch', local_id: 'n1' },
            { principal: device, conversationId: b.id, body: 'not my conversation', local_id: 'x' },
            { principal: device, conversationId: other.conversation.id, body: 'another app', local_id: 'y' },
          ],
          () => wakes++,
        );
        expect(wakes).toBe(1);
        const ok = outcomes.map((o) => (o instanceof AppError ? o.code : { seq: o.message.seq, created: o.created, body: o.message.body, sender: o.message.sender }));
        expect(ok).toEqual([
          { seq: 2, created: true, body: 'a1', sender: 'user' },
          { seq: 1, created: true, body: 'b1', sender: 'user' },
          { seq: 1, created: false, body: 'old', sender: 'user' },
          { seq: 3, created: true, body: 'a2', sender: 'agent' },
          { seq: 2, created: false, body: 'a1', sender: 'user' },
          'NOT_FOUND',
          'NOT_FOUND',
        ]);
        const [a1, , again] = outcomes as Array<{ message: { id: string } }>;
        expect(again!.message.id).toBe(old.id);
        expect((outcomes[4] as { message: { id: string } }).message.id).toBe(a1!.message.id);
        expect((await pageMessages(db, agent, a.id, {})).data.map((m) => m.body)).toEqual(['old', 'a1', 'a2']);
        expect((await pageMessages(db, agent, b.id, {})).data.map((m) => m.body)).toEqual(['b1']);
        expect((await pageMessages(db, other.agent, other.conversation.id, {})).data).toEqual([]);
        const conversations = await db.selectFrom('conversations').select(['id', 'last_seq', 'last_message_id']).where('id', 'in', [a.id, b.id]).orderBy('id').execute();
        expect(conversations).toEqual(
          [
            { id: a.id, last_seq: 3, last_message_id: (outcomes[3] as { message: { id: string } }).message.id },
            { id: b.id, last_seq: 1, last_message_id: (outcomes[1] as { message: { id: string } }).message.id },
          ].sort((x, y) => (x.id < y.id ? -1 : 1)),
        );
        const events = (await fetchOutboxBatch(db, 1000)).filter((e) => e.conversation_id === a.id || e.conversation_id === b.id);
        expect(events.map((e) => [e.conversation_id, (e.payload as { seq: number }).seq, e.msg_id])).toEqual([
          [a.id, 1, old.id],
          [a.id, 2, a1!.message.id],
          [b.id, 1, (outcomes[1] as { message: { id: string } }).message.id],
          [a.id, 3, (outcomes[3] as { message: { id: string } }).message.id],
        ]);
      }));

    it(`${name} - the send batcher groups concurrent sends, in order, and one refused request fails alone`, () =>
      withDb(async (db) => {
        const { device, conversation } = await setup(db);
        const batches: number[] = [];
        const send = createSendBatcher({ db, wake: () => undefined, maxBatchSize: 256, maxInFlight: 1, onBatch: (n) => batches.push(n) });
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => send({ principal: device, conversationId: conversation.id, body: `m${i}`, local_id: `m${i}` })),
        );
        expect(results.map((r) => [r.message.body, r.message.seq, r.created])).toEqual(Array.from({ length: 40 }, (_, i) => [`m${i}`, i + 1, true]));
        expect(batches.reduce((sum, n) => sum + n, 0)).toBe(40);
        expect(batches.length).toBeLessThan(40); // the first goes alone, the others wait and share transactions
        expect(batches[0]).toBe(1);

        // The database refuses a NUL character (the HTTP layer refuses it before): that request fails alone.
        batches.length = 0;
        const mixed = await Promise.allSettled(
          ['ok-1', 'bad', 'ok-2', 'ok-3'].map((localId) =>
            send({ principal: device, conversationId: conversation.id, body: localId === 'bad' ? 'a\u0000b' : localId, local_id: localId }),
          ),
        );
        expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(batches).toEqual([1, 3]);
        const page = await pageMessages(db, device, conversation.id, { limit: 200 });
        expect(page.data.slice(40).map((m) => [m.local_id, m.seq])).toEqual([['ok-1', 41], ['ok-2', 42], ['ok-3', 43]]);
      }));

    it(`${name} - a failed transaction leaves nothing behind while others commit`, () =>
      withDb(async (db) => {
        const { device, conversation } = await setup(db);
        const results = await Promise.allSettled([
          db.transaction().execute(async (trx) => {
            await sendMessage(trx, device, conversation.id, { body: 'doomed', local_id: 'doomed' });
            throw new Error('abort');
          }),
          sendMessage(db, device, conversation.id, { body: 'kept', local_id: 'kept' }),
          sendMessage(db, device, conversation.id, { body: 'kept too', local_id: 'kept-2' }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
        const page = await pageMessages(db, device, conversation.id, {});
        expect(page.data.map((m) => m.body).sort()).toEqual(['kept', 'kept too']);
        expect(page.data.map((m) => m.seq)).toEqual([1, 2]);
      }));

    it(`${name} - read markers move forward only, and report whether they moved`, () =>
      withDb(async (db) => {
        const { device, agent, conversation } = await setup(db);
        const m1 = (await sendMessage(db, device, conversation.id, { body: 'a', local_id: 'a' })).message;
        const m2 = (await sendMessage(db, device, conversation.id, { body: 'b', local_id: 'b' })).message;
        await markRead(db, agent, conversation.id, m2.id);
        await markRead(db, agent, conversation.id, m1.id);
        const statusEvents = (await fetchOutboxBatch(db, 1000)).filter((e) => e.subject === 'message.status' && e.conversation_id === conversation.id);
        expect(statusEvents).toHaveLength(1);
        expect((await pageMessages(db, device, conversation.id, {})).data.map((m) => m.status)).toEqual(['read', 'read']);
      }));

    it(`${name} - pages and cursors`, () =>
      withDb(async (db) => {
        const { device, agent } = await setup(db);
        const more = [await openConversation(db, device), await openConversation(db, device)];
        const c = more[0]!;
        const sent = [];
        for (let i = 0; i < 5; i++) sent.push((await sendMessage(db, device, c.id, { body: `m${i}`, local_id: `m${i}` })).message);
        const after = await pageMessages(db, device, c.id, { after: sent[1]!.id, limit: 2 });
        expect(after.data.map((m) => m.seq)).toEqual([3, 4]);
        expect(after.has_more).toBe(true);
        const before = await pageMessages(db, device, c.id, { before: sent[1]!.id });
        expect(before.data.map((m) => m.seq)).toEqual([1]);
        // setup() opened one conversation, then two more: three in all, the one with messages first.
        const first = await pageConversations(db, agent, { limit: 2 });
        expect(first.data[0]!.id).toBe(c.id);
        const second = await pageConversations(db, agent, { limit: 2, cursor: first.next_cursor! });
        expect(second.data).toHaveLength(1);
        expect(second.next_cursor).toBeNull();
        expect(new Set([...first.data, ...second.data].map((x) => x.id)).size).toBe(3);
      }));

    it(`${name} - workflow: a change writes its row and one conversation.updated; a no-op and a refused change write nothing`, () =>
      withDb(async (db) => {
        const { app, device, agent, conversation } = await setup(db);
        await sendMessage(db, device, conversation.id, { body: 'help', local_id: 'help' });
        const updates = async () =>
          (await fetchOutboxBatch(db, 10_000)).filter((e) => e.subject === 'conversation.updated' && e.conversation_id === conversation.id);
        const { activity } = await db.selectFrom('conversations').select('activity').where('id', '=', conversation.id).executeTakeFirstOrThrow();
        const until = new Date(Date.now() + 3_600_000).toISOString();
        let wakes = 0;
        const snoozed = await updateConversation(db, agent, conversation.id, { status: 'snoozed', snoozed_until: until, assignee_id: 'agent-1' }, () => wakes++);
        expect(snoozed).toMatchObject({ status: 'snoozed', snoozed_until: until, assignee_id: 'agent-1', unread_count: 1 });
        expect(wakes).toBe(1);
        const [event] = await updates();
        expect(event!.payload).toEqual({ app_id: app.id, conversation: snoozed, user_unread_count: 0 });
        // The same again changes nothing: no event, no wake-up.
        await updateConversation(db, agent, conversation.id, { assignee_id: 'agent-1' }, () => wakes++);
        expect(wakes).toBe(1);
        await expect(updateConversation(db, device, conversation.id, { status: 'open' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
        await expect(updateConversation(db, agent, conversation.id, { status: 'snoozed', snoozed_until: new Date(Date.now() - 1000).toISOString() })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        const closed = await updateConversation(db, device, conversation.id, { status: 'closed' });
        expect(closed).toMatchObject({ status: 'closed', snoozed_until: null, assignee_id: 'agent-1', unread_count: 0 });
        expect(await updates()).toHaveLength(2);
        const row = await db.selectFrom('conversations').select(['activity', 'status', 'snoozed_until']).where('id', '=', conversation.id).executeTakeFirstOrThrow();
        expect(row).toEqual({ activity, status: 'closed', snoozed_until: null });
      }));

    it(`${name} - workflow: the list filters by status, assignee and unread, newest activity first, with the cursor`, () =>
      withDb(async (db) => {
        const { agent, device, conversation: a } = await setup(db);
        const b = await openConversation(db, device);
        const c = await openConversation(db, device);
        await sendMessage(db, device, a.id, { body: 'unread', local_id: 'u' });
        await sendMessage(db, agent, b.id, { body: 'for the user', local_id: 'a' });
        await updateConversation(db, agent, b.id, { status: 'closed', assignee_id: 'agent-1' });
        await updateConversation(db, agent, c.id, { assignee_id: 'agent-2' });
        const ids = async (principal: Principal, filters: object, limit = 1) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await pageConversations(db, principal, { limit, cursor, ...filters });
            seen.push(...page.data.map((x) => x.id));
            cursor = page.next_cursor ?? undefined;
          } while (cursor);
          return seen;
        };
        // Newest activity first: b (a message), a (a message), c (opened last, no message).
        expect(await ids(agent, {})).toEqual([b.id, a.id, c.id]);
        expect(await ids(agent, { status: 'open' })).toEqual([a.id, c.id]);
        expect(await ids(agent, { status: 'closed' })).toEqual([b.id]);
        expect(await ids(agent, { assignee: 'none' })).toEqual([a.id]);
        expect(await ids(agent, { assignee: 'agent-2' })).toEqual([c.id]);
        expect(await ids(agent, { unread: true })).toEqual([a.id]);
        expect(await ids(agent, { status: 'open', unread: true, assignee: 'none' })).toEqual([a.id]);
        expect(await ids(agent, { status: 'closed', unread: true })).toEqual([]);
        expect(await ids(device, { unread: true })).toEqual([b.id]);
        expect(await ids(device, { status: 'open' })).toEqual([a.id, c.id]);
      }));

    it(`${name} - the outbox hands out events oldest first and forgets deleted ones`, () =>
      withDb(async (db) => {
        const { device, conversation } = await setup(db);
        for (let i = 0; i < 3; i++) await sendMessage(db, device, conversation.id, { body: `o${i}`, local_id: `o${i}` });
        const batch = (await fetchOutboxBatch(db, 1000)).filter((e) => e.conversation_id === conversation.id);
        expect(batch.map((e) => (e.payload as { seq: number }).seq)).toEqual([1, 2, 3]);
        expect(typeof batch[0]!.id).toBe('string');
        await deleteOutboxEvents(db, batch.slice(0, 2).map((e) => e.id));
        expect((await fetchOutboxBatch(db, 1000)).filter((e) => e.conversation_id === conversation.id).map((e) => e.id)).toEqual([batch[2]!.id]);
        const count = await sql<{ n: string }>`SELECT count(*) AS n FROM outbox WHERE conversation_id = ${conversation.id}`.execute(db);
        expect(count.rows[0]!.n).toBe('1');
      }));

    it(`${name} - concurrent rotations of one credential run one after the other: one previous, every end announced`, () =>
      withDb(async (db) => {
        const app = await createApp(db, 'rotation');
        const rotated = await Promise.all(Array.from({ length: 3 }, () => rotateCredentials(db, app.id, { which: 'admin_token', grace_seconds: 60 })));
        const row = await db.selectFrom('apps').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow();
        // The last one is current, the one before it the previous; the original token and the earliest rotation's are gone.
        const stored = [row.admin_token_hash, row.previous_admin_token_hash];
        const kept = [app.admin_token, ...rotated.map((r) => r.admin_token!)].filter((token) => stored.includes(hashSecret(token)));
        expect(kept).toHaveLength(2);
        expect(kept).not.toContain(app.admin_token);
        expect(row.previous_admin_token_valid_until!.getTime()).toBeGreaterThan(Date.now());
        expect(row.previous_api_key_hash).toBeNull();
        // The first rotation revokes the original; each later one drops the previous (now) and revokes the current.
        const events = (await fetchOutboxBatch(db, 1000)).filter((e) => e.conversation_id === null && (e.payload as { app_id: string }).app_id === app.id);
        expect(events.map((e) => e.subject)).toEqual(Array(5).fill('app.credentials_revoked'));
        await expect(rotateCredentials(db, 'app_missing', { which: 'api_key', grace_seconds: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
        }));

    it(`${name} - identity keys: both algorithms stored and loaded for verification, 5 at most, deletion writes its revocation`, () =>
      withDb(async (db) => {
        const { app } = await setup(db);
        const { publicKey } = await generateKeyPair('ES256', { extractable: true });
        const { kty, crv, x, y } = await exportJWK(publicKey);
        const es = await createIdentityKey(db, app.id, { alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: x!, y: y! } });
        expect(kty).toBe('EC');
        expect(crv).toBe('P-256');
        const hs = await createIdentityKey(db, app.id, { alg: 'HS256' });
        const loaded = await createAppAuthCache({ db }).get(app.id);
        expect([...loaded!.keys.values()].map((k) => [k.kid, k.alg, k.key instanceof Uint8Array])).toEqual([
          [es.kid, 'ES256', false],
          [hs.kid, 'HS256', true],
        ]);
        for (let i = 0; i < 3; i++) await createIdentityKey(db, app.id, { alg: 'HS256' });
        await expect(createIdentityKey(db, app.id, { alg: 'HS256' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        const before = (await fetchOutboxBatch(db, 10_000)).length;
        await removeIdentityKey(db, app.id, hs.kid);
        const events = (await fetchOutboxBatch(db, 10_000)).slice(before);
        expect(events.map((e) => [e.subject, e.conversation_id, e.payload])).toEqual([
          ['app.credentials_revoked', null, { app_id: app.id, which: 'identity_key', valid_until: expect.any(String), credential_id: `identity_key:${hs.kid}` }],
        ]);
        await expect(removeIdentityKey(db, app.id, hs.kid)).rejects.toMatchObject({ code: 'NOT_FOUND' });
        expect((await updateAppPolicy(db, app.id, { identity: 'required' })).identity).toBe('required');
        expect((await createAppAuthCache({ db }).get(app.id))!.identity).toBe('required');
      }));
  });
}
