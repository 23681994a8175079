import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Principal } from '@switchboard/protocol';
import { createTestDatabase } from '@switchboard/testing';
import { migrateTo } from '../src/db/migrate.js';
import { createPgliteDatabase } from '../src/db/pglite.js';
import { createPostgresDatabase } from '../src/db/postgres.js';
import type { Database } from '../src/db/schema.js';
import { getConversation } from '../src/use-cases/conversations.js';
import { markRead, sendMessage } from '../src/use-cases/messages.js';
import { testLogger } from './harness.js';

const BEFORE = '0002-identity';
const WORKFLOW_MIGRATION = '0003-workflow';
const APP = 'app_backfill';
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

/**
 * The conversations an identity-release database holds, with their messages as `[sender, minute]` in `seq` order,
 * read markers (`seq`s) and what the migration must compute for them.
 */
const FIXTURES = [
  {
    id: 'conv_mixed',
    status: 'open',
    // seq:        1       2       3        4         5       6        7
    messages: [['user', 1], ['user', 2], ['agent', 3], ['system', 4], ['user', 5], ['agent', 6], ['user', 7]] as const,
    user_read_seq: 4,
    agent_read_seq: 5,
    expected: {
      side_seq: [1, 2, 1, null, 3, 2, 4],
      user_message_count: 4,
      agent_message_count: 2,
      agent_read_user_count: 3, // user messages at seq ≤ 5: 1, 2, 5
      user_read_agent_count: 1, // agent messages at seq ≤ 4: 3
      last_message_at: at(7),
      unread: { agent: 1, user: 1 },
    },
  },
  {
    id: 'conv_agent_only_closed',
    status: 'closed',
    messages: [['agent', 10], ['agent', 11], ['system', 12]] as const,
    user_read_seq: 0,
    agent_read_seq: 0,
    expected: {
      side_seq: [1, 2, null],
      user_message_count: 0,
      agent_message_count: 2,
      agent_read_user_count: 0,
      user_read_agent_count: 0,
      last_message_at: at(12),
      unread: { agent: 0, user: 2 },
    },
  },
  {
    id: 'conv_all_read',
    status: 'open',
    messages: [['user', 20], ['agent', 21], ['user', 22]] as const,
    user_read_seq: 3,
    agent_read_seq: 3,
    expected: {
      side_seq: [1, 1, 2],
      user_message_count: 2,
      agent_message_count: 1,
      agent_read_user_count: 2,
      user_read_agent_count: 1,
      last_message_at: at(22),
      unread: { agent: 0, user: 0 },
    },
  },
  {
    id: 'conv_empty',
    status: 'open',
    messages: [] as const,
    user_read_seq: 0,
    agent_read_seq: 0,
    expected: {
      side_seq: [],
      user_message_count: 0,
      agent_message_count: 0,
      agent_read_user_count: 0,
      user_read_agent_count: 0,
      last_message_at: null,
      unread: { agent: 0, user: 0 },
    },
  },
];

/** Writes the fixtures as the identity release would have: the columns of migrations 0001 and 0002 only. */
async function seedIdentityRelease(db: Kysely<any>): Promise<void> {
  await sql`INSERT INTO apps (id, name, api_key_hash, admin_token_hash) VALUES (${APP}, 'backfill', 'x', 'y')`.execute(db);
  for (const f of FIXTURES) {
    const lastSeq = f.messages.length;
    await sql`
      INSERT INTO conversations (id, app_id, device_id, status, last_seq, last_message_id, user_read_seq, agent_read_seq)
      VALUES (${f.id}, ${APP}, ${`device-${f.id}`}, ${f.status}, ${lastSeq}, ${lastSeq > 0 ? `${f.id}_m${lastSeq}` : null},
              ${f.user_read_seq}, ${f.agent_read_seq})`.execute(db);
    for (const [i, [sender, minute]] of f.messages.entries()) {
      await sql`
        INSERT INTO messages (id, conversation_id, seq, local_id, body, sender, created_at)
        VALUES (${`${f.id}_m${i + 1}`}, ${f.id}, ${i + 1}, ${`l${i + 1}`}, 'body', ${sender}, ${at(minute)})`.execute(db);
    }
  }
}

function backfillSuite(name: string, open: () => Promise<{ db: Kysely<Database>; close(): Promise<void> }>) {
  describe(`migration 0003 backfill: ${name}`, () => {
    let handle: { db: Kysely<Database>; close(): Promise<void> } | undefined;
    beforeAll(async () => {
      handle = await open();
      await migrateTo(handle.db, BEFORE);
      await seedIdentityRelease(handle.db);
      await migrateTo(handle.db, WORKFLOW_MIGRATION);
    });
    afterAll(async () => {
      await handle?.close();
    });

    const expectBackfilled = async (db: Kysely<Database>) => {
      for (const f of FIXTURES) {
        const row = await db.selectFrom('conversations').selectAll().where('id', '=', f.id).executeTakeFirstOrThrow();
        expect(row, f.id).toMatchObject({
          status: f.status,
          snoozed_until: null,
          assignee_id: null,
          user_message_count: f.expected.user_message_count,
          agent_message_count: f.expected.agent_message_count,
          agent_read_user_count: f.expected.agent_read_user_count,
          user_read_agent_count: f.expected.user_read_agent_count,
          last_message_at: f.expected.last_message_at,
        });
        const messages = await db.selectFrom('messages').select(['seq', 'side_seq']).where('conversation_id', '=', f.id).orderBy('seq').execute();
        expect(messages.map((m) => m.side_seq), f.id).toEqual(f.expected.side_seq);
      }
    };

    it(`${name} - counters, side_seq and last_message_at are computed from the messages and read markers there were`, async () => {
      await expectBackfilled(handle!.db);
    });

    it(`${name} - the service reads the backfilled rows: each side's unread_count`, async () => {
      for (const f of FIXTURES) {
        const agent: Principal = { kind: 'agent', app_id: APP, agent_id: null, name: null };
        const user: Principal = { kind: 'device', app_id: APP, device_id: `device-${f.id}` };
        expect((await getConversation(handle!.db, agent, f.id)).unread_count, `${f.id} agent`).toBe(f.expected.unread.agent);
        expect((await getConversation(handle!.db, user, f.id)).unread_count, `${f.id} user`).toBe(f.expected.unread.user);
      }
    });

    it(`${name} - down to 0002 and up again computes the same`, async () => {
      await migrateTo(handle!.db, BEFORE);
      await migrateTo(handle!.db, WORKFLOW_MIGRATION);
      await expectBackfilled(handle!.db);
    });

    it(`${name} - new messages and receipts continue from the backfilled counters`, async () => {
      const db = handle!.db;
      const agent: Principal = { kind: 'agent', app_id: APP, agent_id: null, name: null };
      const user: Principal = { kind: 'device', app_id: APP, device_id: 'device-conv_mixed' };
      const sent = await sendMessage(db, user, 'conv_mixed', { body: 'after the upgrade', local_id: 'new-1' }, () => undefined);
      const row = await db.selectFrom('messages').select(['seq', 'side_seq']).where('id', '=', sent.message.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ seq: 8, side_seq: 5 });
      expect((await getConversation(db, agent, 'conv_mixed')).unread_count).toBe(2);
      await markRead(db, agent, 'conv_mixed', sent.message.id, () => undefined);
      expect((await getConversation(db, agent, 'conv_mixed')).unread_count).toBe(0);
      const reply = await sendMessage(db, agent, 'conv_mixed', { body: 'welcome back', local_id: 'new-2' }, () => undefined);
      expect((await getConversation(db, user, 'conv_mixed')).unread_count).toBe(2);
      await markRead(db, user, 'conv_mixed', reply.message.id, () => undefined);
      expect((await getConversation(db, user, 'conv_mixed')).unread_count).toBe(0);
    });
  });
}

backfillSuite('postgres', async () => {
  const database = await createTestDatabase();
  const postgres = createPostgresDatabase({ connectionString: database.url, poolSize: 5, logger: testLogger() });
  return {
    db: postgres.db,
    close: async () => {
      await postgres.close();
      await database.drop();
    },
  };
});

backfillSuite('pglite', async () => {
  const pglite = await createPgliteDatabase();
  return { db: pglite.db, close: () => pglite.close() };
});
