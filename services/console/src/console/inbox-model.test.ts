import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '@switchboard/protocol';
import { inboxQuery, isNewActivity, matchesFilters, mergePage, upsertConversation, withMessage } from './inbox-model.js';

const conversation = (id: string, at: string | null, extra: Partial<Conversation> = {}): Conversation => ({
  id,
  app_id: 'app',
  device_id: `device-${id}`,
  user_id: null,
  status: 'open',
  snoozed_until: null,
  assignee_id: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  last_message_id: at ? `m-${id}` : null,
  last_message_at: at,
  unread_count: 0,
  ...extra,
});

const message = (conversationId: string, id: string, at: string, sender: Message['sender'] = 'user'): Message =>
  ({ id, local_id: id, conversation_id: conversationId, seq: 1, body: 'hi', sender, sender_id: null, created_at: at, status: 'sent' }) as Message;

describe('console inbox - model', () => {
  it('asks the list for the filters; "mine" only with an agent id', () => {
    expect(inboxQuery({ status: 'open', assignee: 'all' }, null)).toEqual({ status: 'open', limit: 50 });
    expect(inboxQuery({ status: 'snoozed', assignee: 'mine' }, 'ada', 'c1')).toEqual({ status: 'snoozed', assignee: 'ada', limit: 50, cursor: 'c1' });
    expect(inboxQuery({ status: 'closed', assignee: 'unassigned' }, 'ada')).toEqual({ status: 'closed', assignee: 'none', limit: 50 });
  });

  it('matches live conversations against the filters as the server would', () => {
    const mine = conversation('a', null, { assignee_id: 'ada' });
    expect(matchesFilters(mine, { status: 'open', assignee: 'mine' }, 'ada')).toBe(true);
    expect(matchesFilters(mine, { status: 'open', assignee: 'unassigned' }, 'ada')).toBe(false);
    expect(matchesFilters(mine, { status: 'closed', assignee: 'all' }, 'ada')).toBe(false);
    expect(matchesFilters(mine, { status: 'open', assignee: 'mine' }, null)).toBe(false);
  });

  it('keeps newest activity first, each conversation once', () => {
    let list = mergePage([], [conversation('a', '2026-01-01T10:00:00.000Z'), conversation('b', '2026-01-01T09:00:00.000Z')]);
    list = upsertConversation(list, conversation('b', '2026-01-01T11:00:00.000Z'));
    expect(list.map((c) => c.id)).toEqual(['b', 'a']);
    // A later page holding a conversation heard live keeps the live copy; a fresh read replaces it.
    const stale = conversation('b', '2026-01-01T09:00:00.000Z', { unread_count: 7 });
    expect(mergePage(list, [stale]).find((c) => c.id === 'b')?.unread_count).toBe(0);
    expect(mergePage(list, [stale], true).find((c) => c.id === 'b')?.unread_count).toBe(7);
  });

  it('counts a customer message as unread once, never one it counted already', () => {
    const c = conversation('a', '2026-01-01T10:00:00.000Z', { unread_count: 1 });
    const next = withMessage(c, message('a', 'm2', '2026-01-01T10:05:00.000Z'), false);
    expect(next).toMatchObject({ unread_count: 2, last_message_id: 'm2', last_message_at: '2026-01-01T10:05:00.000Z' });
    expect(withMessage(next, message('a', 'm2', '2026-01-01T10:05:00.000Z'), false)).toBe(next);
    expect(isNewActivity(next, message('a', 'm1', '2026-01-01T10:00:00.000Z'))).toBe(false);
    expect(withMessage(next, message('a', 'm3', '2026-01-01T10:06:00.000Z', 'agent'), false).unread_count).toBe(2);
    expect(withMessage(next, message('a', 'm4', '2026-01-01T10:07:00.000Z'), true).unread_count).toBe(0);
  });
});
