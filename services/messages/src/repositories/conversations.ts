import { sql, type Kysely } from 'kysely';
import type { ConversationRow, Database } from '../db/schema.js';
import { WORKFLOW, type ConversationStatus, type Principal } from '@switchboard/protocol';

/**
 * Restricts a query to what the principal may see: for an agent the app's conversations; for a signed-in user
 * that user's, opened on any device; for an anonymous device its own anonymous ones (never a user's, even one
 * opened on that device).
 */
function visibleTo<QB extends { where: (...args: any[]) => QB }>(qb: QB, principal: Principal): QB {
  const scoped = qb.where('app_id', '=', principal.app_id);
  switch (principal.kind) {
    case 'agent':
      return scoped;
    case 'user':
      return scoped.where('user_id', '=', principal.user_id);
    case 'device':
      return scoped.where('device_id', '=', principal.device_id).where('user_id', 'is', null);
  }
}

export async function insertConversation(
  db: Kysely<Database>,
  values: { id: string; app_id: string; device_id: string; user_id: string | null },
): Promise<ConversationRow> {
  return db.insertInto('conversations').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findConversation(
  db: Kysely<Database>,
  id: string,
  principal: Principal,
): Promise<ConversationRow | undefined> {
  return visibleTo(db.selectFrom('conversations').selectAll().where('id', '=', id), principal).executeTakeFirst();
}

/**
 * Reads conversations and locks their rows until the transaction ends, in id order, so two writers locking
 * overlapping sets never deadlock. Every write that allocates a `seq` or moves a read marker takes this lock
 * first, so they commit one after another in `seq` order. Visibility is the caller's to check (`isVisibleTo`:
 * a batch of sends has a principal per send).
 */
export async function lockConversations(trx: Kysely<Database>, ids: readonly string[]): Promise<ConversationRow[]> {
  if (ids.length === 0) return [];
  return trx.selectFrom('conversations').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();
}

/** Whether the principal may see (and write to) this conversation: the same rule as `visibleTo`. */
export function isVisibleTo(row: Pick<ConversationRow, 'app_id' | 'device_id' | 'user_id'>, principal: Principal): boolean {
  if (row.app_id !== principal.app_id) return false;
  switch (principal.kind) {
    case 'agent':
      return true;
    case 'user':
      return row.user_id === principal.user_id;
    case 'device':
      return row.user_id === null && row.device_id === principal.device_id;
  }
}

/**
 * The snooze wake-up's one statement: reopens up to `limit` snoozed conversations whose `snoozed_until` has passed,
 * soonest first (index `conversations_snoozed_until`), and answers them as they are now. `FOR UPDATE SKIP LOCKED`
 * lets several replicas run it at once: each takes rows no other transaction holds, so each conversation is
 * reopened by one of them, once; a row a writer holds (a PATCH re-timing it, a user's message reopening it) is
 * left for the next tick, and the lock re-reads the row, so one that is no longer due or snoozed is not taken. The
 * rows stay locked until the caller's transaction ends, which writes their events. `activity` does not move: a
 * wake-up is not a message (the inbox order, and a cursor paging through it, stay put).
 */
export async function reopenDueSnoozedConversations(trx: Kysely<Database>, limit: number): Promise<ConversationRow[]> {
  const { rows } = await sql<ConversationRow>`
    UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = now()
    WHERE id IN (
      SELECT id FROM conversations
      WHERE status = 'snoozed' AND snoozed_until <= now()
      ORDER BY snoozed_until
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(trx);
  return rows;
}

/**
 * Moves one side's read marker forward to `seq` (never back), with the count of the other side's messages it now
 * covers (the `side_seq` of the other side's newest message at or before `seq`: one index probe); returns whether
 * it moved.
 */
export async function advanceReadMarker(
  trx: Kysely<Database>,
  id: string,
  side: 'user' | 'agent',
  seq: number,
): Promise<boolean> {
  const marker = side === 'user' ? sql.ref('user_read_seq') : sql.ref('agent_read_seq');
  const covered = side === 'user' ? sql.ref('user_read_agent_count') : sql.ref('agent_read_user_count');
  const other = side === 'user' ? 'agent' : 'user';
  const result = await sql`
    UPDATE conversations SET ${marker} = ${seq}, ${covered} = coalesce((
      SELECT m.side_seq FROM messages m
      WHERE m.conversation_id = ${id} AND m.sender = ${other} AND m.seq <= ${seq}
      ORDER BY m.seq DESC LIMIT 1), 0)
    WHERE id = ${id} AND ${marker} < ${seq}`.execute(trx);
  return (result.numAffectedRows ?? 0n) > 0n;
}

/** The list's filters (CONTRACT.md, workflow): each narrows it; none given: every conversation the principal sees. */
export interface ConversationFilters {
  readonly status?: ConversationStatus | undefined;
  /** An agent id, or `WORKFLOW.unassigned` for the conversations assigned to no one. */
  readonly assignee?: string | undefined;
  /** `true`: only those where the caller's side has unread messages; `false` or none: no filter. */
  readonly unread?: boolean | undefined;
}

/**
 * The list query, newest activity first; `beforeActivity` continues a previous page (keyset on `activity`, which
 * no workflow change moves). Each filter is written so an index serves it with the order (migrations 0001–0003):
 * the app's list `conversations_app_activity`, `status` `conversations_app_status_activity`, `assignee`
 * `conversations_app_assignee_activity` (`none` is `IS NULL`, which a btree serves), and an agent's `unread`
 * exactly the predicate of the partial index `conversations_app_agent_unread_activity`; a client's list is one
 * user's or device's few rows (`conversations_user_activity` / `conversations_anonymous_device_activity`), filtered.
 * Built, not run, so that `EXPLAIN` can show the very statement the service sends (load-tests' `explain-inbox`).
 */
export function conversationListQuery(
  db: Kysely<Database>,
  principal: Principal,
  filters: ConversationFilters,
  limit: number,
  beforeActivity: string | undefined,
) {
  let qb = visibleTo(db.selectFrom('conversations').selectAll(), principal);
  if (filters.status !== undefined) qb = qb.where('status', '=', filters.status);
  if (filters.assignee === WORKFLOW.unassigned) qb = qb.where('assignee_id', 'is', null);
  else if (filters.assignee !== undefined) qb = qb.where('assignee_id', '=', filters.assignee);
  if (filters.unread === true) {
    // An agent: `user_message_count > agent_read_user_count`, the partial index's predicate word for word.
    qb = principal.kind === 'agent'
      ? qb.where(sql.ref('user_message_count'), '>', sql.ref('agent_read_user_count'))
      : qb.where(sql.ref('agent_message_count'), '>', sql.ref('user_read_agent_count'));
  }
  if (beforeActivity !== undefined) qb = qb.where('activity', '<', beforeActivity);
  return qb.orderBy('activity', 'desc').limit(limit);
}

/** Runs `conversationListQuery`. */
export async function listConversations(
  db: Kysely<Database>,
  principal: Principal,
  filters: ConversationFilters,
  limit: number,
  beforeActivity: string | undefined,
): Promise<ConversationRow[]> {
  return conversationListQuery(db, principal, filters, limit, beforeActivity).execute();
}

/** The workflow fields of a conversation as one change leaves them. */
export interface WorkflowState {
  readonly status: ConversationStatus;
  readonly snoozed_until: Date | null;
  readonly assignee_id: string | null;
}

/**
 * Writes a workflow change to a row the transaction has locked: `updated_at` moves, `activity` does not (the inbox
 * is ordered by messages, and a cursor must not see a conversation twice because an agent closed it).
 */
export async function updateWorkflowState(trx: Kysely<Database>, id: string, state: WorkflowState): Promise<ConversationRow> {
  return trx
    .updateTable('conversations')
    .set({ status: state.status, snoozed_until: state.snoozed_until, assignee_id: state.assignee_id, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The conversation with the latest activity that the principal sees (a device's current conversation). */
export async function latestConversation(db: Kysely<Database>, principal: Principal): Promise<ConversationRow | undefined> {
  return visibleTo(db.selectFrom('conversations').selectAll(), principal).orderBy('activity', 'desc').limit(1).executeTakeFirst();
}
