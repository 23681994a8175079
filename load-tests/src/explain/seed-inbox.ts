import { sql, type Kysely } from 'kysely';
import { createApp, type Database } from '@switchboard/messages';

/**
 * The seeded inbox: one app with `CONVERSATIONS_PER_APP` conversations (by default), and `OTHER_APPS` apps as big
 * together, their rows interleaved with the measured app's in `activity` (conversations of every app come and go at once).
 */
export const CONVERSATIONS_PER_APP = 100_000;
export const OTHER_APPS = 4;
/** Agents the conversations are assigned to (`agent-1` … `agent-20`). */
export const AGENTS = 20;
/** A fixed seed, so every run seeds the same spread (Postgres `setseed`). */
const SEED = 0.42;

/**
 * The spread of a support inbox some months old: most conversations closed, a fifth open, a few snoozed; four in
 * five assigned, evenly over the agents; the agents behind on one in ten (their unread filter), the users on three in
 * ten. Each conversation has 1–10 user messages and 0–5 agent messages.
 */
export const SPREAD = Object.freeze({ snoozed: 0.05, open: 0.2, unassigned: 0.2, agentUnread: 0.1, userUnread: 0.3 });

export interface SeededInbox {
  readonly appId: string;
  readonly otherAppIds: readonly string[];
}

/**
 * Creates the apps through the service's own use case and the conversations in one bulk `INSERT … SELECT` over
 * `generate_series` (no REST), `activity` from the service's sequence in row order; then VACUUM ANALYZE.
 */
export async function seedInbox(db: Kysely<Database>, conversationsPerApp: number = CONVERSATIONS_PER_APP): Promise<SeededInbox> {
  // The measured app's share of the rows: one in two.
  const total = 2 * conversationsPerApp;
  const app = await createApp(db, 'explain-inbox');
  const others = [];
  for (let i = 0; i < OTHER_APPS; i++) others.push(await createApp(db, `explain-other-${i}`));
  const otherIds = others.map((o) => o.id);
  await db.transaction().execute(async (trx) => {
    await sql`SELECT setseed(${SEED})`.execute(trx);
    await sql`
      WITH s AS (
        SELECT n,
          CASE WHEN n % 2 = 0 THEN ${app.id} ELSE (${otherIds}::text[])[1 + (n / 2) % ${OTHER_APPS}] END AS app_id,
          random() AS r_status, random() AS r_assignee, random() AS r_agent, random() AS r_unread, random() AS r_user,
          1 + floor(random() * 10)::int AS user_messages, floor(random() * 6)::int AS agent_messages
        FROM generate_series(1, ${total}) AS n
      ), c AS (
        SELECT *,
          CASE WHEN r_status < ${SPREAD.snoozed} THEN 'snoozed' WHEN r_status < ${SPREAD.snoozed + SPREAD.open} THEN 'open' ELSE 'closed' END AS status
        FROM s
      )
      INSERT INTO conversations (
        id, app_id, device_id, status, snoozed_until, assignee_id, last_seq, last_message_at,
        user_message_count, agent_message_count, agent_read_user_count, user_read_agent_count
      )
      SELECT 'conv_seed_' || n, app_id, 'device-' || n, status,
        CASE WHEN status = 'snoozed' THEN now() + make_interval(hours => 1 + (r_status * 1000)::int % 72) END,
        CASE WHEN r_assignee < ${SPREAD.unassigned} THEN NULL ELSE 'agent-' || (1 + floor(r_agent * ${AGENTS})::int) END,
        user_messages + agent_messages, now() - make_interval(secs => ${total} - n),
        user_messages, agent_messages,
        CASE WHEN r_unread < ${SPREAD.agentUnread} THEN user_messages - 1 ELSE user_messages END,
        CASE WHEN r_user < ${SPREAD.userUnread} AND agent_messages > 0 THEN agent_messages - 1 ELSE agent_messages END
      FROM c ORDER BY n`.execute(trx);
  });
  await sql`VACUUM ANALYZE conversations`.execute(db);
  return { appId: app.id, otherAppIds: others.map((o) => o.id) };
}
