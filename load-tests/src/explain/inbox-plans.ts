import { CompiledQuery, type Kysely } from 'kysely';
import { LIMITS, type Principal } from '@switchboard/protocol';
import { conversationListQuery, type ConversationFilters, type Database } from '@switchboard/messages';

/** What a page asks for: the default page size and one more row, to tell whether another page exists. */
const FETCH = LIMITS.pageLimitDefault + 1;

export interface PlanCase {
  readonly name: string;
  readonly filters: ConversationFilters;
  /** Continue after this many rows of the same list (a cursor). */
  readonly after?: number;
  /** The index that must serve it alone (an ordered index scan, no Sort); none: a combination, the planner's choice. */
  readonly index?: string;
}

/** The agents' list, unfiltered, by each filter, by combinations, and after cursors; `deepRow`: a cursor far down. */
export function planCases(deepRow: number): PlanCase[] {
  const page = LIMITS.pageLimitDefault;
  return [
    { name: 'no filter (first page)', filters: {}, index: 'conversations_app_activity' },
    { name: 'status=open', filters: { status: 'open' }, index: 'conversations_app_status_activity' },
    { name: 'status=closed', filters: { status: 'closed' }, index: 'conversations_app_status_activity' },
    { name: 'status=snoozed', filters: { status: 'snoozed' }, index: 'conversations_app_status_activity' },
    { name: 'assignee=agent-7', filters: { assignee: 'agent-7' }, index: 'conversations_app_assignee_activity' },
    { name: 'assignee=none', filters: { assignee: 'none' } },
    { name: 'unread=true', filters: { unread: true }, index: 'conversations_app_agent_unread_activity' },
    { name: 'status=open&assignee=agent-7', filters: { status: 'open', assignee: 'agent-7' } },
    { name: 'status=open&assignee=none', filters: { status: 'open', assignee: 'none' } },
    { name: 'status=snoozed&assignee=agent-7', filters: { status: 'snoozed', assignee: 'agent-7' } },
    { name: 'status=open&unread=true', filters: { status: 'open', unread: true } },
    { name: 'status=closed&unread=true', filters: { status: 'closed', unread: true } },
    { name: 'no filter, the second page (cursor)', filters: {}, after: page, index: 'conversations_app_activity' },
    { name: `no filter, a page after row ${deepRow} (deep cursor)`, filters: {}, after: deepRow, index: 'conversations_app_activity' },
    { name: 'status=open, the third page (cursor)', filters: { status: 'open' }, after: 2 * page, index: 'conversations_app_status_activity' },
    { name: 'unread=true, the second page (cursor)', filters: { unread: true }, after: page, index: 'conversations_app_agent_unread_activity' },
  ];
}

export interface Plan {
  /** The statement, as the service sends it, and its parameters. */
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** `EXPLAIN (ANALYZE, BUFFERS)`, one line per row. */
  readonly lines: readonly string[];
}

/**
 * `EXPLAIN (ANALYZE, BUFFERS)` of the very statement the service sends for a page of the list
 * (`conversationListQuery`, with its parameters, planned for their values).
 */
export async function explainPage(db: Kysely<Database>, principal: Principal, c: PlanCase): Promise<Plan> {
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
  return { sql: query.sql, parameters: query.parameters, lines: result.rows.map((row) => row['QUERY PLAN']) };
}
