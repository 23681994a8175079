import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsNames, restPath, REST_PATHS, SUBJECTS, WORKFLOW, type Conversation, type ConversationUpdatedEvent, type CreatedApp } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack, type Recorded } from './harness.js';
import type { Socket } from 'socket.io-client';

/**
 * `conversation:updated` on two gateway nodes (real Postgres, Redis, NATS): every change of a conversation's
 * workflow goes through the messages service's outbox to the `EVENTS` stream as `conversation.updated`, the shared
 * `gateway-events` consumer hands it to one node, and the device (node 1) and the app's agents (node 2, one of them
 * also in the conversation's room) each get it once, with their own side's unread count.
 */
let stack: GatewayStack;
let nc: NatsConnection;
let app: CreatedApp;
let other: CreatedApp;
let a: string;
let b: string;
const names = natsNames('');

/** After the last expected event: long enough for a duplicate (another node, a redelivery) to arrive. */
const SETTLE_MS = 700;
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2 });
  nc = await connect({ servers: stack.natsUrl });
  [a, b] = stack.nodes.map((n) => n.url) as [string, string];
  app = await stack.createApp('workflow');
  other = await stack.createApp('other');
});
afterAll(async () => {
  await nc?.close();
  await stack?.[Symbol.asyncDispose]();
});

const agentHeaders = (owner: CreatedApp) => ({ Authorization: `Bearer ${owner.admin_token}` });
const deviceHeaders = (owner: CreatedApp, device: string) => ({ 'X-App-Id': owner.id, 'X-Device-Id': device, 'X-Api-Key': owner.api_key });
const conversationPath = (id: string) => restPath(REST_PATHS.conversation, id);

/** The conversation as each side reads it over REST (each with its own `unread_count`). */
const read = async (id: string, device: string) => ({
  agent: (await stack.rest('GET', conversationPath(id), agentHeaders(app))).body as Conversation,
  device: (await stack.rest('GET', conversationPath(id), deviceHeaders(app, device))).body as Conversation,
});

/**
 * A device on node 1 in its conversation's room, the app's agents on node 2 (one only in its app room, one also
 * joined to the conversation's room), and bystanders that must get nothing: another device of the app (its own
 * conversation), the other app's agent and device.
 */
async function watchers(device: string) {
  const conversation = await stack.openConversation(app, device);
  await stack.openConversation(app, `${device}-stranger`);
  const otherConversation = await stack.openConversation(other, device);
  const deviceSocket = await stack.connected(stack.client(a, app, device));
  const inbox = await stack.connected(stack.admin(b, app));
  const joined = await stack.connected(stack.admin(b, app));
  expect((await joined.socket.emitWithAck('conversation:join', { conversation_id: conversation.id })).success).toBe(true);
  // Each device socket is in its own latest conversation's room once `conversation:joined` arrived.
  const strangers = [await stack.connected(stack.client(b, app, `${device}-stranger`)), await stack.connected(stack.client(a, other, device))];
  for (const r of [deviceSocket, ...strangers]) await r.waitFor('conversation:joined');
  const bystanders = [...strangers, await stack.connected(stack.admin(a, other))] as Recorded<Socket>[];
  return { id: conversation.id, otherId: otherConversation.id, device: deviceSocket, agents: [inbox, joined], bystanders };
}
type Watchers = Awaited<ReturnType<typeof watchers>>;

/** Waits for the `n`-th `conversation:updated` on the device and on each agent; returns the `n`-th of each. */
async function nth(w: Watchers, n: number): Promise<{ device: Conversation; agents: Conversation[] }> {
  const device = (await w.device.waitFor('conversation:updated', n, 10_000))[n - 1] as Conversation;
  const agents = await Promise.all(w.agents.map(async (r) => (await r.waitFor('conversation:updated', n, 10_000))[n - 1] as Conversation));
  return { device, agents };
}

/** Exactly `n` each, none to a bystander, after waiting for a late duplicate. */
async function exactly(w: Watchers, n: number) {
  await sleep(SETTLE_MS);
  expect(w.device.of('conversation:updated')).toHaveLength(n);
  for (const agent of w.agents) expect(agent.of('conversation:updated')).toHaveLength(n);
  for (const bystander of w.bystanders) expect(bystander.of('conversation:updated')).toEqual([]);
}

/** The `conversation.updated` events of one conversation in the `EVENTS` stream, with their `Nats-Msg-Id`. */
async function streamed(conversationId: string): Promise<{ msgId: string | undefined; event: ConversationUpdatedEvent }[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(names.streams.events);
  const found: { msgId: string | undefined; event: ConversationUpdatedEvent }[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(names.streams.events, { seq });
    if (!message || names.contractSubject(message.subject) !== SUBJECTS.conversationUpdated) continue;
    const event = message.json<ConversationUpdatedEvent>();
    if (event.conversation?.id === conversationId) found.push({ msgId: message.header?.get('Nats-Msg-Id'), event });
  }
  return found;
}

/** The fan-out counter of `conversation.updated` with `result`, summed over both nodes. */
async function counted(result: 'emitted' | 'malformed'): Promise<number> {
  const pattern = new RegExp(`switchboard_gateway_fanout_messages_total\\{subject="conversation.updated",result="${result}"[^}]*\\} (\\d+)`);
  const values = await Promise.all(stack.nodes.map(async (n) => Number(pattern.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1] ?? 0)));
  return values.reduce((x, y) => x + y, 0);
}

describe('conversation:updated across two nodes', () => {
  it('conversation:updated - each change (agent PATCH, admin socket, client close, reopening message) reaches the device on one node and the agents on the other exactly once, each with its side\'s unread count; EVENTS holds each once', async () => {
    const w = await watchers('workflow-phone');
    // Two user messages (the agents' unread count: 2) and one agent reply (the device's: 1).
    for (const local_id of ['u1', 'u2']) {
      expect(await w.device.socket.emitWithAck('message:send', { conversation_id: w.id, body: local_id, local_id })).toMatchObject({ success: true });
    }
    await stack.agentSend(app, w.id, 'hello');

    // 1. An agent snoozes it over REST.
    const snoozedUntil = new Date(Date.now() + HOUR_MS).toISOString();
    const snoozed = await stack.rest('PATCH', conversationPath(w.id), agentHeaders(app), { status: 'snoozed', snoozed_until: snoozedUntil });
    expect(snoozed.status).toBe(200);
    let seen = await nth(w, 1);
    const now = await read(w.id, 'workflow-phone');
    expect(seen.device).toEqual(now.device);
    for (const agent of seen.agents) expect(agent).toEqual(now.agent);
    expect(seen.device).toMatchObject({ id: w.id, app_id: app.id, status: 'snoozed', snoozed_until: snoozedUntil, unread_count: 1 });
    expect(seen.agents[0]).toMatchObject({ status: 'snoozed', snoozed_until: snoozedUntil, unread_count: 2 });
    expect(seen.agents[0]).toEqual(snoozed.body);
    await exactly(w, 1);

    // 2. An agent reopens and assigns it on the admin socket; the ack carries the conversation the agents get.
    const ack = await w.agents[1]!.socket.emitWithAck('conversation:update', { conversation_id: w.id, status: 'open', assignee_id: 'agent-7' });
    expect(ack).toMatchObject({ success: true, conversation: { id: w.id, status: 'open', snoozed_until: null, assignee_id: 'agent-7', unread_count: 2 } });
    seen = await nth(w, 2);
    expect(seen.agents).toEqual([(ack as { conversation: Conversation }).conversation, (ack as { conversation: Conversation }).conversation]);
    expect(seen.device).toEqual({ ...seen.agents[0], unread_count: 1 });
    await exactly(w, 2);

    // 3. The device closes it over REST; closing it again changes nothing and announces nothing.
    const closed = await stack.rest('PATCH', conversationPath(w.id), deviceHeaders(app, 'workflow-phone'), { status: 'closed' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', assignee_id: 'agent-7', unread_count: 1 });
    seen = await nth(w, 3);
    expect(seen.device).toEqual(closed.body);
    expect(seen.agents[1]).toEqual({ ...closed.body, unread_count: 2 });
    const again = await stack.rest('PATCH', conversationPath(w.id), deviceHeaders(app, 'workflow-phone'), { status: 'closed' });
    expect(again.status).toBe(200);
    await exactly(w, 3);

    // 4. The user's next message reopens it (the agents' unread count now counts it too).
    const sent = await w.device.socket.emitWithAck('message:send', { conversation_id: w.id, body: 'still there?', local_id: 'u3' });
    expect(sent).toMatchObject({ success: true });
    seen = await nth(w, 4);
    const lastMessageId = (sent as { message: { id: string } }).message.id;
    expect(seen.device).toMatchObject({ status: 'open', assignee_id: 'agent-7', last_message_id: lastMessageId, unread_count: 1 });
    for (const agent of seen.agents) expect(agent).toMatchObject({ status: 'open', last_message_id: lastMessageId, unread_count: 3 });
    // An agent's message to the open conversation changes no workflow field: no event.
    await stack.agentSend(app, w.id, 'yes');
    await exactly(w, 4);

    // EVENTS holds each change once, each with its own Nats-Msg-Id; the nodes together emitted each once.
    const events = await streamed(w.id);
    expect(events.map((e) => e.event.conversation.status)).toEqual(['snoozed', 'open', 'closed', 'open']);
    expect(events.map((e) => e.event.user_unread_count)).toEqual([1, 1, 1, 1]);
    expect(events.map((e) => e.event.conversation.unread_count)).toEqual([2, 2, 2, 3]);
    for (const { msgId, event } of events) {
      expect(msgId).toMatch(/\S/);
      expect(event.app_id).toBe(app.id);
    }
    expect(new Set(events.map((e) => e.msgId)).size).toBe(4);
  });

  it('conversation:updated - the snooze timer reopens it within 5 s of snoozed_until, not before: the device on one node and the agents on the other get it once', async () => {
    const w = await watchers('timer-phone');
    expect(await w.device.socket.emitWithAck('message:send', { conversation_id: w.id, body: 'later please', local_id: 'u1' })).toMatchObject({ success: true });
    const until = new Date(Date.now() + 3000);
    const snoozed = await stack.rest('PATCH', conversationPath(w.id), agentHeaders(app), { status: 'snoozed', snoozed_until: until.toISOString() });
    expect(snoozed.status).toBe(200);
    await nth(w, 1);

    // Not before its time.
    await sleep(until.getTime() - 300 - Date.now());
    expect(w.device.of('conversation:updated')).toHaveLength(1);
    for (const agent of w.agents) expect(agent.of('conversation:updated')).toHaveLength(1);

    const seen = await nth(w, 2);
    const arrived = Date.now();
    expect(arrived - until.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);
    const now = await read(w.id, 'timer-phone');
    expect(seen.device).toEqual(now.device);
    for (const agent of seen.agents) expect(agent).toEqual(now.agent);
    expect(seen.device).toMatchObject({ status: 'open', snoozed_until: null, unread_count: 0 });
    expect(seen.agents[0]).toMatchObject({ status: 'open', snoozed_until: null, unread_count: 1 });
    expect(Date.parse(seen.device.updated_at)).toBeGreaterThanOrEqual(until.getTime());
    await exactly(w, 2);

    const events = await streamed(w.id);
    expect(events.map((e) => e.event.conversation.status)).toEqual(['snoozed', 'open']);
    expect(new Set(events.map((e) => e.msgId)).size).toBe(2);
  });

  it('conversation:updated - an event in EVENTS goes out once per namespace (device: user_unread_count, agents: the event\'s); a malformed one is dropped and reaches no one', async () => {
    const w = await watchers('published-phone');
    const { agent } = await read(w.id, 'published-phone');
    const emittedBefore = await counted('emitted');
    const malformedBefore = await counted('malformed');
    const js = jetstream(nc);
    const publish = (data: unknown) => js.publish(SUBJECTS.conversationUpdated, JSON.stringify(data), { msgID: randomUUID() });

    await publish({ app_id: app.id, conversation: { ...agent, status: 'sleeping' }, user_unread_count: 0 });
    await publish({ app_id: app.id, conversation: { id: w.id } });
    const event: ConversationUpdatedEvent = { app_id: app.id, conversation: { ...agent, status: 'closed', unread_count: 5 }, user_unread_count: 4 };
    await publish(event);
    const seen = await nth(w, 1);
    expect(seen.device).toEqual({ ...event.conversation, unread_count: 4 });
    expect(seen.agents).toEqual([event.conversation, event.conversation]);
    await exactly(w, 1);
    await waitFor(async () => (await counted('malformed')) - malformedBefore >= 2, { message: 'two malformed events counted' });
    expect((await counted('malformed')) - malformedBefore).toBe(2);
    expect((await counted('emitted')) - emittedBefore).toBe(1);
  });
});

describe('admin socket conversation:update', () => {
  it('conversation:update - bad payloads are acked VALIDATION_FAILED and change nothing; another app\'s conversation is NOT_FOUND; /client cannot send it', async () => {
    const w = await watchers('update-phone');
    const agent = w.agents[0]!;
    const before = await read(w.id, 'update-phone');
    const otherConversation = (await stack.rest('GET', conversationPath(w.otherId), agentHeaders(other))).body as Conversation;
    const future = new Date(Date.now() + HOUR_MS).toISOString();
    const raw = agent.socket as unknown as Socket;
    const bad: [string, unknown][] = [
      ['unknown field', { conversation_id: w.id, status: 'closed', priority: 'high' }],
      ['snoozed without snoozed_until', { conversation_id: w.id, status: 'snoozed' }],
      ['snoozed with a past snoozed_until', { conversation_id: w.id, status: 'snoozed', snoozed_until: new Date(Date.now() - HOUR_MS).toISOString() }],
      ['snoozed_until with open', { conversation_id: w.id, status: 'open', snoozed_until: future }],
      ['snoozed_until with closed', { conversation_id: w.id, status: 'closed', snoozed_until: future }],
      ['unknown status', { conversation_id: w.id, status: 'archived' }],
      ['status of the wrong type', { conversation_id: w.id, status: 1 }],
      ['assignee_id of the wrong type', { conversation_id: w.id, assignee_id: 42 }],
      ['snoozed_until not a time', { conversation_id: w.id, status: 'snoozed', snoozed_until: 'tomorrow' }],
      ['nothing to change', { conversation_id: w.id }],
      ['no conversation_id', { status: 'closed' }],
      ['conversation_id of the wrong type', { conversation_id: 7, status: 'closed' }],
      ['not an object', 'close it'],
    ];
    for (const [what, payload] of bad) {
      const answer = await raw.emitWithAck('conversation:update', payload);
      expect(answer, what).toMatchObject({ success: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await agent.socket.emitWithAck('conversation:update', { conversation_id: otherConversation.id, status: 'closed' })).toMatchObject({
      success: false,
      error: { code: 'NOT_FOUND' },
    });
    // Without an ack, a bad one is an `error` event.
    raw.emit('conversation:update', { conversation_id: w.id, status: 'snoozed' });
    expect(await agent.waitFor('error')).toEqual([{ code: 'VALIDATION_FAILED', message: expect.stringContaining('snoozed_until') }]);

    // A device's socket has no such event.
    const fromDevice = await (w.device.socket as unknown as Socket).emitWithAck('conversation:update', { conversation_id: w.id, status: 'closed' });
    expect(fromDevice).toEqual({ success: false, error: { code: 'VALIDATION_FAILED', message: 'unknown event "conversation:update"' } });

    // Nothing changed: both sides read the same conversation, nobody was told of a change, EVENTS has none.
    expect(await read(w.id, 'update-phone')).toEqual(before);
    const otherNow = (await stack.rest('GET', conversationPath(otherConversation.id), agentHeaders(other))).body as Conversation;
    expect(otherNow).toEqual(otherConversation);
    await exactly(w, 0);
    expect(await streamed(w.id)).toEqual([]);
    expect(await streamed(otherConversation.id)).toEqual([]);
  });
});
