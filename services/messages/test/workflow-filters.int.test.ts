import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restPath, REST_PATHS, type Conversation, type ConversationPage, type ConversationStatus, type CreatedApp } from '@switchboard/protocol';
import { startMessagesHarness, type Caller, type MessagesHarness } from './harness.js';

const HOUR_MS = 3_600_000;

let h: MessagesHarness;
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});
beforeAll(async () => {
  h = await startMessagesHarness();
});

const until = () => new Date(Date.now() + HOUR_MS).toISOString();
const messagesOf = (id: string) => restPath(REST_PATHS.messages, id);

/** Every page of a list, following `next_cursor` with the same query; each page at most `limit`. */
async function listAll(who: Caller, query: string, limit: number, between?: (page: number) => Promise<void>): Promise<Conversation[]> {
  const seen: Conversation[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const separator = query ? '&' : '';
    const path: string = `${REST_PATHS.conversations}?${query}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const response: { status: number; body: ConversationPage } = await who.get<ConversationPage>(path);
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
    expect(response.body.data.length).toBeLessThanOrEqual(limit);
    seen.push(...response.body.data);
    cursor = response.body.next_cursor;
    if (cursor === null) return seen;
    await between?.(page);
  }
}

interface Spec {
  /** The device that opens it: `multi` has three, for the client's own filters. */
  readonly device: string;
  readonly status: ConversationStatus;
  readonly assignee: string | null;
  /** Messages from the user, then from an agent. */
  readonly user: number;
  readonly agent: number;
  /** The agents read everything in it. */
  readonly agentRead?: boolean;
}

/** Twelve conversations with a spread of status, assignee and unread counts; opened in this order. */
const SPECS: readonly Spec[] = [
  { device: 'multi', status: 'open', assignee: null, user: 1, agent: 0 },
  { device: 'd1', status: 'open', assignee: 'a1', user: 2, agent: 1, agentRead: true },
  { device: 'd2', status: 'closed', assignee: null, user: 1, agent: 0, agentRead: true },
  { device: 'd3', status: 'closed', assignee: 'a1', user: 1, agent: 0 },
  { device: 'd4', status: 'snoozed', assignee: 'a2', user: 1, agent: 0 },
  { device: 'multi', status: 'snoozed', assignee: null, user: 0, agent: 1 },
  { device: 'd6', status: 'open', assignee: 'a2', user: 0, agent: 0 },
  { device: 'd7', status: 'open', assignee: null, user: 3, agent: 0, agentRead: true },
  { device: 'd8', status: 'closed', assignee: 'a2', user: 1, agent: 1 },
  { device: 'd9', status: 'open', assignee: 'a1', user: 1, agent: 0 },
  { device: 'd10', status: 'snoozed', assignee: 'a1', user: 1, agent: 0, agentRead: true },
  { device: 'multi', status: 'open', assignee: null, user: 0, agent: 2 },
];

interface Model extends Spec {
  readonly id: string;
  agentUnread: number;
  userUnread: number;
}

describe('workflow - list filters', () => {
  let app: CreatedApp;
  let agent: Caller;
  /** Newest activity first. */
  let order: Model[];

  beforeAll(async () => {
    app = await h.createApp('workflow-filters');
    agent = h.agent(app);
    const models: Model[] = [];
    for (const spec of SPECS) {
      const device = h.device(app, spec.device);
      const { id } = (await device.post(REST_PATHS.conversations)).body as Conversation;
      let last = '';
      for (let i = 0; i < spec.user; i++) last = (await device.post(messagesOf(id), { body: 'u', local_id: `u${i}` })).body.id;
      for (let i = 0; i < spec.agent; i++) last = (await agent.post(messagesOf(id), { body: 'a', local_id: `a${i}` })).body.id;
      if (spec.agentRead) expect((await agent.post(restPath(REST_PATHS.read, id), { last_read_message_id: last })).status).toBe(204);
      models.push({ ...spec, id, agentUnread: spec.agentRead ? 0 : spec.user, userUnread: spec.agent });
    }
    // The workflow changes come after every message: they must not reorder the list.
    for (const m of models) {
      const body = { status: m.status, ...(m.status === 'snoozed' ? { snoozed_until: until() } : {}), assignee_id: m.assignee };
      expect((await agent.patch(restPath(REST_PATHS.conversation, m.id), body)).status).toBe(200);
    }
    // An agent's message moves a closed conversation to the top without reopening it.
    const moved = models[3]!;
    await agent.post(messagesOf(moved.id), { body: 'later', local_id: 'later' });
    moved.userUnread += 1;
    order = [moved, ...models.filter((m) => m !== moved).reverse()];
  });

  const expected = (match: (m: Model) => boolean) => order.filter(match).map((m) => m.id);

  const agentCases: Array<[query: string, match: (m: Model) => boolean]> = [
    ['', () => true],
    ['status=open', (m) => m.status === 'open'],
    ['status=closed', (m) => m.status === 'closed'],
    ['status=snoozed', (m) => m.status === 'snoozed'],
    ['assignee=a1', (m) => m.assignee === 'a1'],
    ['assignee=a2', (m) => m.assignee === 'a2'],
    ['assignee=none', (m) => m.assignee === null],
    ['assignee=nobody-has-it', () => false],
    ['unread=true', (m) => m.agentUnread > 0],
    ['unread=false', () => true],
    ['status=open&assignee=a1', (m) => m.status === 'open' && m.assignee === 'a1'],
    ['status=open&assignee=none', (m) => m.status === 'open' && m.assignee === null],
    ['status=closed&unread=true', (m) => m.status === 'closed' && m.agentUnread > 0],
    ['status=open&unread=true', (m) => m.status === 'open' && m.agentUnread > 0],
    ['assignee=a1&unread=true', (m) => m.assignee === 'a1' && m.agentUnread > 0],
    ['status=snoozed&assignee=a1&unread=true', () => false],
    ['status=snoozed&assignee=a2&unread=true', (m) => m.status === 'snoozed' && m.assignee === 'a2' && m.agentUnread > 0],
  ];

  it.each(agentCases)('filters - an agent, ?%s: exactly those, newest activity first, over pages of 2', async (query, match) => {
    const want = expected(match);
    const seen = await listAll(agent, query, 2);
    expect(seen.map((c) => c.id)).toEqual(want);
    for (const c of seen) {
      const m = order.find((x) => x.id === c.id)!;
      expect([c.status, c.assignee_id, c.unread_count]).toEqual([m.status, m.assignee, m.agentUnread]);
    }
    // One page holds the same list.
    expect((await agent.get<ConversationPage>(`${REST_PATHS.conversations}?${query}&limit=50`)).body.data.map((c) => c.id)).toEqual(want);
  });

  it('filters - a sample case is not vacuous: the table has conversations in every filter', () => {
    for (const [query, match] of agentCases) {
      if (!query.includes('nobody') && query !== 'status=snoozed&assignee=a1&unread=true') expect(expected(match).length, query).toBeGreaterThan(0);
    }
    expect(expected((m) => m.status === 'open' && m.agentUnread > 0).length).toBeLessThan(expected((m) => m.status === 'open').length);
  });

  it.each<[query: string, match: (m: Model) => boolean]>([
    ['', (m) => m.device === 'multi'],
    ['unread=true', (m) => m.device === 'multi' && m.userUnread > 0],
    ['status=open', (m) => m.device === 'multi' && m.status === 'open'],
    ['status=snoozed&unread=true', (m) => m.device === 'multi' && m.status === 'snoozed' && m.userUnread > 0],
    ['assignee=none', (m) => m.device === 'multi' && m.assignee === null],
  ])("filters - a client's own list, ?%s: the user's side's unread, only its conversations", async (query, match) => {
    const device = h.device(app, 'multi');
    const seen = await listAll(device, query, 1);
    expect(seen.map((c) => c.id)).toEqual(expected(match));
    for (const c of seen) expect(c.unread_count).toBe(order.find((x) => x.id === c.id)!.userUnread);
  });

  it.each([
    ['status=archived', 'status'],
    ['status=', 'status'],
    ['status=open&status=closed', 'status'],
    ['assignee=', 'assignee'],
    ['assignee=agent%20one', 'assignee'],
    [`assignee=${'a'.repeat(129)}`, 'assignee'],
    ['unread=maybe', 'unread'],
    ['unread=1', 'unread'],
    ['unread=TRUE', 'unread'],
    ['unread=true&unread=true', 'unread'],
    ['priority=high', ''],
  ])('filters - ?%s → 400 VALIDATION_FAILED naming %s', async (query, field) => {
    const response = await h.agent(await h.createApp('bad-filters')).get(`${REST_PATHS.conversations}?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    if (field) expect(response.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
  });
});

describe('workflow - paging while conversations change underneath', () => {
  /** `count` conversations of a fresh app, each with a user message; newest first. */
  async function inbox(count: number): Promise<{ agent: Caller; ids: string[] }> {
    const app = await h.createApp('paging');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const device = h.device(app, `p${i}`);
      const { id } = (await device.post(REST_PATHS.conversations)).body as Conversation;
      await device.post(messagesOf(id), { body: 'hi', local_id: 'hi' });
      ids.unshift(id);
    }
    return { agent: h.agent(app), ids };
  }
  const patchAs = (agent: Caller, id: string, body: object) => agent.patch(restPath(REST_PATHS.conversation, id), body).then((r) => expect(r.status).toBe(200));

  it('paging - the whole inbox in pages of 3 visits each conversation once while seen and unseen ones are closed, snoozed and assigned', async () => {
    const { agent, ids } = await inbox(12);
    const seen = await listAll(agent, '', 3, async (page) => {
      // After page p, change one conversation already seen and two not yet seen.
      const next = (page + 1) * 3;
      await patchAs(agent, ids[page * 3]!, { status: 'closed' });
      if (ids[next]) await patchAs(agent, ids[next]!, { status: 'snoozed', snoozed_until: until() });
      if (ids[next + 1]) await patchAs(agent, ids[next + 1]!, { assignee_id: `agent-${page}`, status: 'closed' });
    });
    expect(seen.map((c) => c.id)).toEqual(ids);
    // What each page showed is the state when it was read.
    expect(seen[3]!.status).toBe('snoozed');
    expect(seen[4]).toMatchObject({ status: 'closed', assignee_id: 'agent-0' });
  });

  it('paging - ?status=open in pages of 2: once each; one closed before its page is not shown, one closed after is not shown again', async () => {
    const { agent, ids } = await inbox(10);
    const closedEarly = ids[7]!;
    const seen = await listAll(agent, 'status=open', 2, async (page) => {
      if (page === 0) {
        await patchAs(agent, ids[0]!, { status: 'closed' }); // seen already
        await patchAs(agent, closedEarly, { status: 'closed' }); // not seen yet: leaves the filter
        await patchAs(agent, ids[5]!, { assignee_id: 'agent-1' }); // still open: still listed, once
      }
    });
    expect(seen.map((c) => c.id)).toEqual(ids.filter((id) => id !== closedEarly));
    expect(seen.find((c) => c.id === ids[5])!.assignee_id).toBe('agent-1');
  });

  it('paging - a new message moves a conversation to the top: a seen one is not seen again, an unseen one is left to the next first page', async () => {
    const { agent, ids } = await inbox(8);
    const seenFirst = ids[1]!;
    const unseen = ids[6]!;
    const seen = await listAll(agent, '', 2, async (page) => {
      if (page === 0) {
        await agent.post(messagesOf(seenFirst), { body: 'again', local_id: 'again' });
        await agent.post(messagesOf(unseen), { body: 'jump', local_id: 'jump' });
      }
    });
    // Keyset paging on activity: the cursor is below both now, so this pass shows each conversation at most once
    // and skips the one that jumped above it; a fresh first page (or the realtime message:new) shows it.
    expect(seen.map((c) => c.id)).toEqual(ids.filter((id) => id !== unseen));
    const first = (await agent.get<ConversationPage>(`${REST_PATHS.conversations}?limit=2`)).body.data.map((c) => c.id);
    expect(first).toEqual([unseen, seenFirst]);
  });
});
