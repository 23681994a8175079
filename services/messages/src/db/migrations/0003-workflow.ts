import { sql, type Kysely } from 'kysely';

/**
 * The support workflow (second release): snoozed conversations, assignment, the newest message's time, and the
 * counters that make `unread_count` O(1) per conversation, whatever the conversation's length:
 *
 * - `user_message_count` / `agent_message_count`: how many messages each side has sent;
 * - `messages.side_seq`: a message's number among its side's messages (1, 2, 3 … per side; `null` for `system`);
 * - `agent_read_user_count` / `user_read_agent_count`: how many of the other side's messages each side's read
 *   marker covers (the `side_seq` of the other side's newest message at or before the marker).
 *
 * An agent's unread count is `user_message_count − agent_read_user_count`, a user's `agent_message_count −
 * user_read_agent_count`: the messages from the other side after the caller's read marker, never a count(*).
 * Additive: existing rows get their counters from the messages they already have.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE conversations DROP CONSTRAINT conversations_status_check`.execute(db);
  await db.schema
    .alterTable('conversations')
    .addColumn('snoozed_until', 'timestamptz')
    .addColumn('assignee_id', 'text')
    .addColumn('last_message_at', 'timestamptz')
    .addColumn('user_message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_read_user_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('user_read_agent_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('conversations')
    .addCheckConstraint('conversations_status_check', sql`status in ('open', 'closed', 'snoozed')`)
    .execute();
  await db.schema
    .alterTable('conversations')
    .addCheckConstraint('conversations_snoozed_until', sql`(status = 'snoozed') = (snoozed_until is not null)`)
    .execute();

  await db.schema.alterTable('messages').addColumn('side_seq', 'integer').execute();
  await sql`
    UPDATE messages AS m SET side_seq = n.side_seq
    FROM (
      SELECT id, row_number() OVER (PARTITION BY conversation_id, sender ORDER BY seq) AS side_seq
      FROM messages WHERE sender IN ('user', 'agent')
    ) AS n
    WHERE m.id = n.id`.execute(db);
  await sql`
    UPDATE conversations AS c SET
      user_message_count = coalesce((SELECT max(side_seq) FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'user'), 0),
      agent_message_count = coalesce((SELECT max(side_seq) FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'agent'), 0),
      agent_read_user_count = coalesce((SELECT max(side_seq) FROM messages m
        WHERE m.conversation_id = c.id AND m.sender = 'user' AND m.seq <= c.agent_read_seq), 0),
      user_read_agent_count = coalesce((SELECT max(side_seq) FROM messages m
        WHERE m.conversation_id = c.id AND m.sender = 'agent' AND m.seq <= c.user_read_seq), 0),
      last_message_at = (SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id)
    WHERE c.last_seq > 0`.execute(db);

  // The agents' inbox filters, each newest activity first, paged by `activity` (keyset).
  await db.schema.createIndex('conversations_app_status_activity').on('conversations').columns(['app_id', 'status', 'activity desc']).execute();
  await db.schema
    .createIndex('conversations_app_assignee_activity')
    .on('conversations')
    .columns(['app_id', 'assignee_id', 'activity desc'])
    .execute();
  // `unread=true` for agents: the predicate is the one the list query writes, so the planner can use it.
  await db.schema
    .createIndex('conversations_app_agent_unread_activity')
    .on('conversations')
    .columns(['app_id', 'activity desc'])
    .where(sql.ref('user_message_count'), '>', sql.ref('agent_read_user_count'))
    .execute();
  // The snooze wake-up: the due ones, soonest first.
  await db.schema
    .createIndex('conversations_snoozed_until')
    .on('conversations')
    .column('snoozed_until')
    .where(sql.ref('status'), '=', 'snoozed')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_snoozed_until').execute();
  await db.schema.dropIndex('conversations_app_agent_unread_activity').execute();
  await db.schema.dropIndex('conversations_app_assignee_activity').execute();
  await db.schema.dropIndex('conversations_app_status_activity').execute();
  await db.schema.alterTable('messages').dropColumn('side_seq').execute();
  await sql`UPDATE conversations SET status = 'open' WHERE status = 'snoozed'`.execute(db);
  await db.schema.alterTable('conversations').dropConstraint('conversations_snoozed_until').execute();
  await db.schema.alterTable('conversations').dropConstraint('conversations_status_check').execute();
  await db.schema
    .alterTable('conversations')
    .dropColumn('snoozed_until')
    .dropColumn('assignee_id')
    .dropColumn('last_message_at')
    .dropColumn('user_message_count')
    .dropColumn('agent_message_count')
    .dropColumn('agent_read_user_count')
    .dropColumn('user_read_agent_count')
    .execute();
  await db.schema
    .alterTable('conversations')
    .addCheckConstraint('conversations_status_check', sql`status in ('open', 'closed')`)
    .execute();
}
