import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, CreatedApp, Message } from '@switchboard/protocol';
import { addIdentityKey, mintToken } from '@switchboard/testing';
import { caller, deviceHeaders, startMessagesHarness, type Caller, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('unread');
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

/** The conversation as `who` sees it, through GET one and through its list (they must agree). */
async function seenBy(who: Caller, id: string): Promise<Conversation> {
  const one = await who.get(`/v1/conversations/${id}`);
  expect(one.status).toBe(200);
  const list = await who.get('/v1/conversations?limit=100');
  expect(list.status).toBe(200);
  const listed = (list.body.data as Conversation[]).find((c) => c.id === id);
  expect(listed).toEqual(one.body);
  return one.body;
}
const unreadOf = async (who: Caller, id: string) => (await seenBy(who, id)).unread_count;

const send = async (who: Caller, id: string, localId: string): Promise<Message> => {
  const response = await who.post(`/v1/conversations/${id}/messages`, { body: localId, local_id: localId });
  expect(response.status).toBe(201);
  return response.body;
};
const read = async (who: Caller, id: string, message: Message) =>
  expect((await who.post(`/v1/conversations/${id}/read`, { last_read_message_id: message.id })).status).toBe(204);

describe('workflow - unread counts from both sides', () => {
  it('unread - move with messages and read receipts, each side counting only the other side, over REST (GET one and the list)', async () => {
    const user = h.device(app, 'unread-device');
    const agent = h.agent(app);
    const c: Conversation = (await user.post('/v1/conversations')).body;
    expect(c).toMatchObject({ unread_count: 0, last_message_at: null });
    expect(await unreadOf(agent, c.id)).toBe(0);

    // The user sends 3: the agents see 3, the user none (its own).
    const u = [await send(user, c.id, 'u1'), await send(user, c.id, 'u2'), await send(user, c.id, 'u3')];
    expect(await unreadOf(agent, c.id)).toBe(3);
    expect(await unreadOf(user, c.id)).toBe(0);
    // A retry stores nothing and counts nothing.
    expect((await user.post(`/v1/conversations/${c.id}/messages`, { body: 'again', local_id: 'u1' })).status).toBe(200);
    expect(await unreadOf(agent, c.id)).toBe(3);

    // The agents read up to the 2nd: 1 left.
    await read(agent, c.id, u[1]!);
    expect(await unreadOf(agent, c.id)).toBe(1);
    // A marker never moves back.
    await read(agent, c.id, u[0]!);
    expect(await unreadOf(agent, c.id)).toBe(1);

    // The agents send 2: the user sees 2; the agents' own messages never count for them (still 1).
    const a = [await send(agent, c.id, 'a1'), await send(agent, c.id, 'a2')];
    expect(await unreadOf(user, c.id)).toBe(2);
    expect(await unreadOf(agent, c.id)).toBe(1);

    // The user reads the last one: 0 for the user; nothing changes for the agents.
    await read(user, c.id, a[1]!);
    expect(await unreadOf(user, c.id)).toBe(0);
    expect(await unreadOf(agent, c.id)).toBe(1);

    // The agents read up to their own newest message: it covers the user's 3rd, so 0.
    await read(agent, c.id, a[1]!);
    expect(await unreadOf(agent, c.id)).toBe(0);
    // One more from each side: 1 each.
    await send(user, c.id, 'u4');
    await send(agent, c.id, 'a3');
    expect(await unreadOf(agent, c.id)).toBe(1);
    expect(await unreadOf(user, c.id)).toBe(1);

    // The other fields of the workflow are untouched by messages and receipts.
    expect(await seenBy(agent, c.id)).toMatchObject({ status: 'open', snoozed_until: null, assignee_id: null });
  });

  it("unread - last_message_at is the newest message's time, moved by messages only, never by read receipts", async () => {
    const user = h.device(app, 'time-device');
    const agent = h.agent(app);
    const c: Conversation = (await user.post('/v1/conversations')).body;
    const first = await send(user, c.id, 't1');
    const afterFirst = await seenBy(agent, c.id);
    expect(afterFirst.last_message_at).toBe(first.created_at);
    expect(afterFirst.last_message_id).toBe(first.id);

    const second = await send(agent, c.id, 't2');
    const afterSecond = await seenBy(user, c.id);
    expect(afterSecond.last_message_at).toBe(second.created_at);
    expect(Date.parse(afterSecond.last_message_at!)).toBeGreaterThanOrEqual(Date.parse(first.created_at));

    await read(user, c.id, second);
    await read(agent, c.id, first);
    expect((await seenBy(agent, c.id)).last_message_at).toBe(second.created_at);
  });

  it("unread - the agents' side is one: what one agent reads is read for every agent (admin token and agent tokens alike); a user sees theirs on every device", async () => {
    const key = await addIdentityKey(h, app.id);
    const alicePhone = caller(h.url, { ...deviceHeaders(app, 'alice-phone'), 'X-User-Token': await mintToken(key, 'alice') });
    const aliceLaptop = caller(h.url, { ...deviceHeaders(app, 'alice-laptop'), 'X-User-Token': await mintToken(key, 'alice') });
    const ada = caller(h.url, { Authorization: `Bearer ${await mintToken(key, 'agent-ada', { claims: { role: 'agent', name: 'Ada' } })}` });
    const bob = caller(h.url, { Authorization: `Bearer ${await mintToken(key, 'agent-bob', { claims: { role: 'agent' } })}` });
    const admin = h.agent(app);

    const c: Conversation = (await alicePhone.post('/v1/conversations')).body;
    const m1 = await send(alicePhone, c.id, 'p1');
    await send(aliceLaptop, c.id, 'l1'); // the same user from another device: the same side
    for (const agent of [ada, bob, admin]) expect(await unreadOf(agent, c.id)).toBe(2);
    expect(await unreadOf(aliceLaptop, c.id)).toBe(0);

    await read(ada, c.id, m1);
    for (const agent of [ada, bob, admin]) expect(await unreadOf(agent, c.id)).toBe(1);

    const reply = await send(bob, c.id, 'b1');
    expect(await unreadOf(alicePhone, c.id)).toBe(1);
    expect(await unreadOf(aliceLaptop, c.id)).toBe(1);
    for (const agent of [ada, bob, admin]) expect(await unreadOf(agent, c.id)).toBe(1);
    await read(aliceLaptop, c.id, reply);
    expect(await unreadOf(alicePhone, c.id)).toBe(0);
  });
});
