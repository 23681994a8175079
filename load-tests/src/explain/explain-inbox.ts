/**
 * `npm run explain:inbox`: the query plans of the agents' conversation list on a seeded inbox (docs/messages-service.md,
 * "Inbox query plans"). Creates a scratch database on the shared Postgres (`DATABASE_URL`, default the local one),
 * migrates it with the service's migrations, seeds it (`seed-inbox.ts`), prints `EXPLAIN (ANALYZE, BUFFERS)` of the
 * very statement the service sends for each case (`inbox-plans.ts`), and drops the database.
 */
import { CompiledQuery } from 'kysely';
import { createLogger } from '@switchboard/logger';
import type { Principal } from '@switchboard/protocol';
import { createPostgresDatabase, migrateToLatest } from '@switchboard/messages';
import { createTestDatabase } from '@switchboard/testing';
import { explainPage, planCases } from './inbox-plans.js';
import { AGENTS, CONVERSATIONS_PER_APP, OTHER_APPS, seedInbox, SPREAD } from './seed-inbox.js';

/** The row a deep cursor points at: the middle of the app's list. */
const DEEP_ROW = CONVERSATIONS_PER_APP / 2;

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
    for (const c of planCases(DEEP_ROW)) {
      const plan = await explainPage(postgres.db, agent, c);
      process.stdout.write(`-- ${c.name}\n-- ${plan.sql}\n-- parameters: ${JSON.stringify(plan.parameters)}\n${plan.lines.join('\n')}\n\n`);
    }
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
