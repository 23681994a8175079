import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Principal } from '../src/domain/principal.js';
import { deleteOutboxEvents, fetchOutboxBatch } from '../src/repositories/outbox.js';
import { createApp } from '../src/use-cases/apps.js';
import { openConversation, pageConversations } from '../src/use-cases/conversations.js';
import { markRead, pageMessages, sendMessage } from '../src/use-cases/messages.js';

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
      const device: Principal = { kind: 'client', appId: app.id, deviceId: 'device' };
      const agent: Principal = { kind: 'agent', appId: app.id };
      const conversation = await openConversation(db, device);
      return { app, device, agent, conversation };
    };

    it(`${name} - migrations are idempotent`, () =>
      withDb(async (db) => {
        const again = await migrateToLatest(db);
        expect(again.results).toEqual([]);
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
  });
}
