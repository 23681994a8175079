import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { createPgliteDatabase, migrateToLatest, type PgliteDatabase } from '@switchboard/messages';
import type { WebhooksDatabase } from '../src/db/schema.js';
import { migrateWebhooks } from '../src/db/migrate.js';
import { claimDueDeliveries, findEnabledEndpoints, readBacklog, recordDelivered, recordEvents, recordFailure } from '../src/delivery/delivery-store.js';
import { createConversationRecipients } from '../src/delivery/conversation-recipients.js';
import { newSecret } from './support/engine-harness.js';

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** The engine's statements on the real server and on PGlite (`npm start` runs the engine on the shared PGlite). */
function storeContract(name: string, open: () => Promise<Kysely<any>>) {
  describe(`webhooks delivery store: ${name}`, () => {
    it(`${name} - record, claim within per-endpoint room, deliver, fail, read the backlog`, async () => {
      const raw = await open();
      await migrateToLatest(raw);
      await migrateWebhooks(raw);
      const db = raw as Kysely<WebhooksDatabase>;
      await db
        .insertInto('webhooks.endpoints')
        .values([
          { id: 'whk_a', app_id: 'app_1', url: 'https://a.example/hook', events: ['message.created'], secret: newSecret() },
          { id: 'whk_b', app_id: 'app_1', url: 'https://b.example/hook', events: ['message.created', 'conversation.updated'], secret: newSecret() },
        ])
        .execute();
      expect((await findEnabledEndpoints(db, ['app_1', 'app_2'])).map((e) => [e.id, e.events])).toEqual([
        ['whk_a', ['message.created']],
        ['whk_b', ['message.created', 'conversation.updated']],
      ]);
      const now = new Date();
      const events = Array.from({ length: 5 }, (_, i) => ({
        id: `msg_${i}`,
        appId: 'app_1',
        type: 'message.created' as const,
        payload: { body: `m${i}`, recipient_online: false },
        createdAt: new Date(now.getTime() - 1000 + i),
        endpointIds: ['whk_a', 'whk_b'],
      }));
      expect(await recordEvents(db, events, now)).toBe(10);
      // A redelivery records nothing twice.
      expect(await recordEvents(db, events.slice(0, 2), now)).toBe(0);

      const lease = new Date(now.getTime() + 30_000);
      const claimed = await claimDueDeliveries(db, { now, leaseUntil: lease, limit: 10, perEndpoint: 2, inFlight: new Map([['whk_a', 1]]) });
      expect(claimed.filter((c) => c.endpointId === 'whk_a')).toHaveLength(1);
      expect(claimed.filter((c) => c.endpointId === 'whk_b')).toHaveLength(2);
      expect(claimed[0]).toMatchObject({ url: expect.stringMatching(/^https:/), type: 'message.created', appId: 'app_1', attempts: 0 });
      expect(claimed[0]!.payload).toMatchObject({ recipient_online: false });
      // Claimed ones are not claimed again while their lease runs.
      const again = await claimDueDeliveries(db, { now, leaseUntil: lease, limit: 10, perEndpoint: 10, inFlight: new Map() });
      expect(again.map((c) => c.id)).not.toEqual(expect.arrayContaining(claimed.map((c) => c.id).slice(0, 1)));
      expect(again).toHaveLength(7);

      const [first, second] = claimed;
      const done = await recordDelivered(db, [{ delivery: first!, statusCode: 200, at: now }]);
      expect([...done.delivered]).toEqual([first!.id]);
      expect(done.reenabled).toEqual(new Set());
      expect((await recordDelivered(db, [{ delivery: first!, statusCode: 200, at: now }])).delivered).toEqual(new Set());
      expect(await recordFailure(db, second!, { statusCode: 500, error: 'HTTP 500', at: now, retryAt: new Date(now.getTime() + 60_000), disableAfterMs: 86_400_000 })).toBe('recorded');
      const row = await db.selectFrom('webhooks.deliveries').selectAll().where('id', '=', second!.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500, last_error: 'HTTP 500', claimed_until: null });
      const backlog = await readBacklog(db, new Date(now.getTime() + 31_000));
      expect(backlog.due).toBe(8); // every claimed one's lease ran out, but the delivered one and the one retried later
      expect(backlog.disabledEndpoints).toBe(0);

      // The read of the messages service's conversations (none here).
      expect(await createConversationRecipients(db).find('conv_missing')).toBeUndefined();
    }, 120_000); // PGlite starts and migrates slowly on a busy machine
  });
}

storeContract('postgres', async () => {
  const database: TestDatabase = await createTestDatabase('sb_test_wh_store');
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  closers.push(() => database.drop(), () => db.destroy());
  return db;
});

storeContract('pglite', async () => {
  const pglite: PgliteDatabase = await createPgliteDatabase();
  closers.push(() => pglite.close());
  return pglite.db as Kysely<any>;
});
