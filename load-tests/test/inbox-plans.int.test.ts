/**
 * The inbox list's query plans at a small scale (the 100,000-conversation plans are in docs/messages-service.md):
 * each filter is served by its index in `activity` order, with no Sort and no sequential scan, so a predicate that
 * drifts from its index (the unread partial index needs its predicate word for word) fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createLogger } from '@switchboard/logger';
import type { Principal } from '@switchboard/protocol';
import { createPostgresDatabase, migrateToLatest, type Database, type PostgresDatabase } from '@switchboard/messages';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { explainPage, planCases } from '../src/explain/inbox-plans.js';
import { seedInbox } from '../src/explain/seed-inbox.js';

/** Enough rows that an index beats a scan of the table, few enough to seed in a second or two. */
const CONVERSATIONS_PER_APP = 10_000;

let database: TestDatabase;
let postgres: PostgresDatabase;
let db: Kysely<Database>;
let agent: Principal;

beforeAll(async () => {
  database = await createTestDatabase('sb_plans');
  postgres = createPostgresDatabase({ connectionString: database.url, poolSize: 2, logger: createLogger({ service: 'test', level: 'silent' }) });
  db = postgres.db;
  await migrateToLatest(db);
  const { appId } = await seedInbox(db, CONVERSATIONS_PER_APP);
  agent = { kind: 'agent', app_id: appId, agent_id: null, name: null };
});
afterAll(async () => {
  await postgres?.close();
  await database?.drop();
});

describe('inbox plans', () => {
  it.each(planCases(CONVERSATIONS_PER_APP / 2).map((c) => ({ ...c, label: c.index ?? 'the planner’s choice' })))(
    'inbox plans - $name: $label, no sequential scan',
    async (c) => {
      const plan = (await explainPage(db, agent, c)).lines.join('\n');
      expect(plan).not.toContain('Seq Scan');
      if (c.index) {
        // A full page and one more row, read in order from the index: the scan stops there.
        expect(plan).toMatch(/^Limit .*actual time=\S+ rows=51 loops=1/);
        expect(plan).toMatch(new RegExp(`Index Scan using ${c.index} on conversations`));
        expect(plan).not.toContain('Sort');
      }
    },
  );
});
