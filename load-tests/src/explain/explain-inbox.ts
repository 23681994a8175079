/**
 * `npm run explain:inbox`: the query plans of the agents' conversation list on a seeded inbox (docs/messages-service.md,
 * "Inbox query plans"). Creates a scratch database on the shared Postgres (`DATABASE_URL`, default the local one),
 * migrates it with the service's migrations, seeds it (`seed-inbox.ts`), prints `EXPLAIN (ANALYZE, BUFFERS)` of the
 * very statement the service sends for each filter (`conversationListQuery`), and drops the database.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { createLogger } from '@switchboard/logger';
import { LIMITS, type Principal } from '@switchboard/protocol';
import { conversationListQuery, createPostgresDatabase, migrateToLatest, type ConversationFilters, type Database } from '@switchboard/messages';
import { createTestDatabase } from '@switchboard/testing';
import { AGENTS, CONVERSATIONS_PER_APP, OTHER_APPS, seedInbox, SPREAD } from './seed-inbox.js';

/** What a page asks for: the default page size and one more row, to tell whether another page exists. */
const FETCH = LIMITS.pageLimitDefault + 1;
/** The row a deep cursor points at: the middle of the app's list. */
const DEEP_ROW = CONVERSATIONS_PER_APP / 2;

interface Case {
  readonly name: string;
  readonly filters: ConversationFilters;
  /** Continue after this many rows of the same list (a cursor). */
  readonly after?: number;
}

const CASES: readonly Case[] = [
  { name: 'no filter (first page)', filters: {} },
  { name: 'status=open', filters: { status: 'open' } },
  { name: 'status=closed', filters: { status: 'closed' } },
  { name: 'status=snoozed', filters: { status: 'snoozed' } },
  { name: 'assignee=agent-7', filters: { assignee: 'agent-7' } },
  { name: 'assignee=none', filters: { assignee: 'none' } },
  { name: 'unread=true', filters: { unread: true } },
  { name: 'status=open&assignee=agent-7', filters: { status: 'open', assignee: 'agent-7' } },
  { name: 'status=open&assignee=none', filters: { status: 'open', assignee: 'none' } },
  { name: 'status=snoozed&assignee=agent-7', filters: { status: 'snoozed', assignee: 'agent-7' } },
  { name: 'status=open&unread=true', filters: { status: 'open', unread: true } },
  { name: 'status=closed&unread=true', filters: { status: 'closed', unread: true } },
  { name: 'no filter, the second page (cursor)', filters: {}, after: LIMITS.pageLimitDefault },
  { name: `no filter, a page after row ${DEEP_ROW} (deep cursor)`, filters: {}, after: DEEP_ROW },
  { name: 'status=open, the third page (cursor)', filters: { status: 'open' }, after: 2 * LIMITS.pageLimitDefault },
  { name: 'unread=true, the second page (cursor)', filters: { unread: true }, after: LIMITS.pageLimitDefault },
];

async function explain(db: Kysely<Database>, principal: Principal, c: Case): Promise<string> {
  let before: string | undefined;
  if (c.after !== undefined) {
    // The cursor a client would hold: the `activity` of the last row it was shown.
    const rows = await conversationListQuery(db, principal, c.filters, c.after, undefined).execute();
    before = rows.at(-1)!.activity;
  }
  const query = conversationListQuery(db, principal, c.filters, FETCH, before).compile();
  const result = await db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, [...query.parameters]),
  );
  const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
  return `-- ${c.name}\n-- ${query.sql}\n-- parameters: ${JSON.stringify(query.parameters)}\n${plan}\n`;
}

async function main(): Promise<void> {
  const database = await createTestDatabase('sb_explain');
  const logger = createLogger({ service: 'explain-inbox', level: 'warn' });
  const postgres = createPostgresDatabase({ connectionString: database.url, poolSize: 2, logger });
  try {
    await migrateToLatest(postgres.db);
    const started = Date.now();
    const { appId } = await seedInbox(postgres.db);
    const { rows } = await postgres.db.executeQuery<{ version: string }>(CompiledQuery.raw('SELECT version()'));
    process.stdout.write(
      `-- ${rows[0]!.version}\n-- seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${CONVERSATIONS_PER_APP} conversations in the app, ` +
        `${CONVERSATIONS_PER_APP} more in ${OTHER_APPS} other apps; spread ${JSON.stringify(SPREAD)} over ${AGENTS} agents\n\n`,
    );
    const agent: Principal = { kind: 'agent', app_id: appId, agent_id: null, name: null };
    for (const c of CASES) process.stdout.write(`${await explain(postgres.db, agent, c)}\n`);
  } finally {
    await postgres.close();
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`explain-inbox: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
