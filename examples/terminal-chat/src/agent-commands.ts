import type { ConversationChanges, ConversationFilters } from '@switchboard/client';

/** What an agent types that is not a message. */
export type AgentCommand =
  | { readonly kind: 'list'; readonly filters: ConversationFilters }
  | { readonly kind: 'view'; readonly target: string }
  | { readonly kind: 'status' }
  | { readonly kind: 'update'; readonly changes: ConversationChanges }
  | { readonly kind: 'usage'; readonly message: string };

/** The longest snooze the command takes, in minutes (the contract allows up to a year). */
const SNOOZE_MAX_MINUTES = 365 * 24 * 60;

export const AGENT_COMMANDS_HELP =
  '/list [open|closed|snoozed] [unread] [unassigned|AGENT_ID], /view ID, /status, /close, /open, /snooze MINUTES, /assign AGENT_ID (or none)';

const STATUSES = new Set(['open', 'closed', 'snoozed']);

/** `/list`'s words: a status, `unread`, `unassigned` or an agent id (the list's filters). */
function listFilters(words: readonly string[]): ConversationFilters {
  let filters: ConversationFilters = {};
  for (const word of words) {
    if (STATUSES.has(word)) filters = { ...filters, status: word as 'open' | 'closed' | 'snoozed' };
    else if (word === 'unread') filters = { ...filters, unread: true };
    else filters = { ...filters, assignee: word === 'unassigned' ? 'none' : word };
  }
  return filters;
}

/**
 * Parses a line that starts with `/`; `undefined` for a line that is a message. `now` dates a snooze (a parameter,
 * so the parse is a pure function).
 */
export function parseAgentCommand(line: string, now: number): AgentCommand | undefined {
  if (!line.startsWith('/')) return undefined;
  const [name = '', ...args] = line.slice(1).split(/\s+/);
  const arg = args.join(' ');
  switch (name) {
    case 'list':
      return { kind: 'list', filters: listFilters(args.filter(Boolean)) };
    case 'view':
      if (!arg) return { kind: 'usage', message: 'usage: /view ID (the end of an id from /list is enough)' };
      return { kind: 'view', target: arg };
    case 'status':
      return { kind: 'status' };
    case 'close':
      return { kind: 'update', changes: { status: 'closed' } };
    case 'open':
      return { kind: 'update', changes: { status: 'open' } };
    case 'snooze': {
      const minutes = Number(arg);
      if (!/^[0-9]+$/.test(arg) || minutes < 1 || minutes > SNOOZE_MAX_MINUTES) {
        return { kind: 'usage', message: `usage: /snooze MINUTES (1 to ${SNOOZE_MAX_MINUTES}): it reopens by itself then` };
      }
      return { kind: 'update', changes: { status: 'snoozed', snoozed_until: new Date(now + minutes * 60_000) } };
    }
    case 'assign':
      if (!arg) return { kind: 'usage', message: 'usage: /assign AGENT_ID, or /assign none' };
      return { kind: 'update', changes: { assignee_id: arg === 'none' ? null : arg } };
    default:
      return { kind: 'usage', message: `unknown command /${name}; commands: ${AGENT_COMMANDS_HELP}` };
  }
}
