import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationPage } from '@switchboard/protocol';
import { conversationsPath, walkConversations } from './conversation-list.js';
import { RestApi } from './rest.js';

/** A fetch answering pages of the conversation list in turn, recording each request's path and query. */
function pagedFetch(pages: ConversationPage[]) {
  const seen: string[] = [];
  const fetch = (async (url: string) => {
    const { pathname, search } = new URL(url);
    seen.push(`${pathname}${search}`);
    const page = pages.shift();
    if (!page) return new Response(JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'no such page' } }), { status: 400 });
    return new Response(JSON.stringify(page), { status: 200 });
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const conversation = (id: string) => ({ id }) as Conversation;

describe('conversation list', () => {
  it('list - the query carries the filters that are set, unread as true, and nothing for an empty query', () => {
    expect(conversationsPath()).toBe('/v1/conversations');
    expect(conversationsPath({ status: 'snoozed', assignee: 'none', unread: true, limit: 5, cursor: 'abc' })).toBe(
      '/v1/conversations?status=snoozed&assignee=none&unread=true&limit=5&cursor=abc',
    );
    expect(conversationsPath({ assignee: 'agent:ada@example.com', status: undefined })).toBe('/v1/conversations?assignee=agent%3Aada%40example.com');
  });

  it('list - the walk follows next_cursor to the last page with the same filters, reading a page only when it is needed', async () => {
    const { fetch, seen } = pagedFetch([
      { data: [conversation('c1'), conversation('c2')], next_cursor: 'k2' },
      { data: [conversation('c3'), conversation('c4')], next_cursor: 'k4' },
      { data: [conversation('c5')], next_cursor: null },
    ]);
    const rest = new RestApi({ baseUrl: 'http://api', headers: {}, fetch });
    const walk = walkConversations((query) => rest.conversations(query), { status: 'open', limit: 2 });
    const ids: string[] = [];
    for await (const c of walk) {
      ids.push(c.id);
      if (c.id === 'c1') expect(seen).toHaveLength(1); // lazily: the second page waits for the first to be used
    }
    expect(ids).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(seen).toEqual([
      '/v1/conversations?status=open&limit=2',
      '/v1/conversations?status=open&limit=2&cursor=k2',
      '/v1/conversations?status=open&limit=2&cursor=k4',
    ]);
  });

  it('list - stopping the loop reads no further page; a refused page rejects the walk with its ApiError', async () => {
    const stopped = pagedFetch([{ data: [conversation('c1'), conversation('c2')], next_cursor: 'k2' }]);
    const rest = new RestApi({ baseUrl: 'http://api', headers: {}, fetch: stopped.fetch });
    for await (const c of walkConversations((query) => rest.conversations(query))) if (c.id === 'c1') break;
    expect(stopped.seen).toEqual(['/v1/conversations']);

    const refused = pagedFetch([{ data: [conversation('c1')], next_cursor: 'k1' }]);
    const failing = new RestApi({ baseUrl: 'http://api', headers: {}, fetch: refused.fetch });
    const ids: string[] = [];
    const walking = (async () => {
      for await (const c of walkConversations((query) => failing.conversations(query), { unread: true })) ids.push(c.id);
    })();
    await expect(walking).rejects.toMatchObject({ name: 'ApiError', status: 400, code: 'VALIDATION_FAILED' });
    expect(ids).toEqual(['c1']);
    expect(refused.seen).toEqual(['/v1/conversations?unread=true', '/v1/conversations?unread=true&cursor=k1']);
  });
});
