import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIdentityKey, mintToken, waitFor } from '@switchboard/testing';
import { EVENTS_STREAM, INTERNAL_PATHS, restPath, REST_PATHS, type Conversation, type CreatedApp } from '@switchboard/protocol';
import { conversationUpdates } from './conversation-updates.js';
import { caller, deviceHeaders, readStream, request, startMessagesHarness, type Caller, type MessagesHarness } from './harness.js';

const INTERNAL_TOKEN = 'internal-token-workflow-0123456789';
const HOUR_MS = 3_600_000;

let h: MessagesHarness;
let app: CreatedApp;
let agent: Caller;

beforeAll(async () => {
  h = await startMessagesHarness({ internalToken: INTERNAL_TOKEN });
  app = await h.createApp('workflow-rest');
  agent = h.agent(app);
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const conversationPath = (id: string) => restPath(REST_PATHS.conversation, id);
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR_MS).toISOString();

/** A device's conversation with 2 messages from the user and 1 from an agent: the agents have 2 unread, the user 1. */
async function conversationWithMessages(deviceId: string): Promise<{ device: Caller; conversation: Conversation }> {
  const device = h.device(app, deviceId);
  const conversation: Conversation = (await device.post(REST_PATHS.conversations)).body;
  for (const [who, localId] of [[device, 'u1'], [device, 'u2'], [agent, 'a1']] as const) {
    expect((await who.post(restPath(REST_PATHS.messages, conversation.id), { body: localId, local_id: localId })).status).toBe(201);
  }
  return { device, conversation: (await agent.get(conversationPath(conversation.id))).body };
}

const activityOf = async (id: string) =>
  (await h.db.selectFrom('conversations').select('activity').where('id', '=', id).executeTakeFirstOrThrow()).activity;

/**
 * Sends one change and checks its answer and its event: exactly one more `conversation.updated` for the
 * conversation, whose payload is the agents' view (the answer, for an agent) and the user's unread count.
 */
async function change(
  who: Caller,
  id: string,
  body: object,
  userUnread: number,
): Promise<Conversation> {
  const before = await conversationUpdates(h, id);
  const response = await who.patch<Conversation>(conversationPath(id), body);
  expect(response.status).toBe(200);
  const after = await conversationUpdates(h, id);
  expect(after).toHaveLength(before.length + 1);
  const event = after.at(-1)!;
  expect(event.subject).toBe('conversation.updated');
  expect(event.msgId).toMatch(/^evt_/);
  expect(event.payload).toEqual({
    app_id: app.id,
    conversation: (await agent.get(conversationPath(id))).body,
    user_unread_count: userUnread,
  });
  return response.body;
}

describe('workflow - PATCH /v1/conversations/:id', () => {
  it('workflow - an agent snoozes, re-times, reopens, closes, assigns and unassigns: one conversation.updated each, on EVENTS once with its Nats-Msg-Id', async () => {
    const { conversation } = await conversationWithMessages('agent-changes');
    expect(conversation).toMatchObject({ status: 'open', snoozed_until: null, assignee_id: null, unread_count: 2 });
    const activity = await activityOf(conversation.id);

    const until = inHours(1);
    const snoozed = await change(agent, conversation.id, { status: 'snoozed', snoozed_until: until }, 1);
    expect(snoozed).toMatchObject({ status: 'snoozed', snoozed_until: until, assignee_id: null, unread_count: 2 });
    expect(snoozed.updated_at > conversation.updated_at).toBe(true);
    expect(snoozed.last_message_id).toBe(conversation.last_message_id);

    // A snoozed_until alone re-times it; an offset is answered in UTC.
    const later = new Date(Date.now() + 2 * HOUR_MS);
    later.setUTCMilliseconds(0);
    const offset = later.toISOString().replace('.000Z', '+00:00');
    const retimed = await change(agent, conversation.id, { snoozed_until: offset }, 1);
    expect(retimed).toMatchObject({ status: 'snoozed', snoozed_until: later.toISOString() });

    const reopened = await change(agent, conversation.id, { status: 'open' }, 1);
    expect(reopened).toMatchObject({ status: 'open', snoozed_until: null });

    const closed = await change(agent, conversation.id, { status: 'closed' }, 1);
    expect(closed).toMatchObject({ status: 'closed', snoozed_until: null, assignee_id: null });

    const assigned = await change(agent, conversation.id, { assignee_id: 'agent-7' }, 1);
    expect(assigned).toMatchObject({ status: 'closed', assignee_id: 'agent-7' });

    const unassigned = await change(agent, conversation.id, { assignee_id: null }, 1);
    expect(unassigned).toMatchObject({ status: 'closed', assignee_id: null });

    // Several fields in one request are one change: one event.
    const all = await change(agent, conversation.id, { status: 'snoozed', snoozed_until: until, assignee_id: 'agent-8' }, 1);
    expect(all).toMatchObject({ status: 'snoozed', snoozed_until: until, assignee_id: 'agent-8' });

    // No change moved the conversation in the inbox: activity is the messages'.
    expect(await activityOf(conversation.id)).toBe(activity);
    expect((await conversationUpdates(h, conversation.id)).map((e) => e.payload.conversation.status)).toEqual([
      'snoozed', 'snoozed', 'open', 'closed', 'closed', 'closed', 'snoozed',
    ]);
    const written = await conversationUpdates(h, conversation.id);
    expect(new Set(written.map((e) => e.msgId)).size).toBe(7);
    // Once the relay is done, EVENTS holds each change once, its outbox msg_id as Nats-Msg-Id, in order.
    await waitFor(async () => (await h.count('outbox')) === 0);
    const stream = (await readStream(h.nats.url, EVENTS_STREAM.name)).filter((e) => e.data.conversation?.id === conversation.id);
    expect(stream.map((e) => [e.subject, e.msgId, e.data])).toEqual(written.map((e) => ['conversation.updated', e.msgId, e.payload]));
  });

  it('workflow - leaving snoozed for closed clears snoozed_until (in the row too)', async () => {
    const { conversation } = await conversationWithMessages('snooze-to-closed');
    await change(agent, conversation.id, { status: 'snoozed', snoozed_until: inHours(3) }, 1);
    const closed = await change(agent, conversation.id, { status: 'closed' }, 1);
    expect(closed).toMatchObject({ status: 'closed', snoozed_until: null });
    const row = await h.db.selectFrom('conversations').select(['status', 'snoozed_until']).where('id', '=', conversation.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'closed', snoozed_until: null });
  });

  it('workflow - a change that changes nothing answers 200 with the conversation and writes no event', async () => {
    const { conversation } = await conversationWithMessages('no-op');
    const until = inHours(1);
    await change(agent, conversation.id, { status: 'snoozed', snoozed_until: until, assignee_id: 'agent-1' }, 1);
    const events = await conversationUpdates(h, conversation.id);
    const current: Conversation = (await agent.get(conversationPath(conversation.id))).body;
    for (const body of [
      { status: 'snoozed', snoozed_until: until },
      { snoozed_until: until },
      { assignee_id: 'agent-1' },
      { status: 'snoozed', snoozed_until: until, assignee_id: 'agent-1' },
    ]) {
      const response = await agent.patch(conversationPath(conversation.id), body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(current);
    }
    await change(agent, conversation.id, { status: 'closed', assignee_id: null }, 1);
    const closed: Conversation = (await agent.get(conversationPath(conversation.id))).body;
    for (const body of [{ status: 'closed' }, { assignee_id: null }, { status: 'closed', snoozed_until: null }]) {
      const response = await agent.patch(conversationPath(conversation.id), body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(closed);
    }
    expect(await conversationUpdates(h, conversation.id)).toHaveLength(events.length + 1);
  });

  it('workflow - a client closes its conversation: the answer is the client view, the event the agents', async () => {
    const { device, conversation } = await conversationWithMessages('closer');
    const closed = await change(device, conversation.id, { status: 'closed' }, 1);
    expect(closed).toMatchObject({ id: conversation.id, status: 'closed', unread_count: 1 });
    expect((await device.get(conversationPath(conversation.id))).body).toEqual(closed);
    // Closing again changes nothing.
    expect((await device.patch(conversationPath(conversation.id), { status: 'closed' })).body).toEqual(closed);
    expect(await conversationUpdates(h, conversation.id)).toHaveLength(1);
  });

  it('workflow - a signed-in user closes their conversation; an agent token assigns it to its agent', async () => {
    const key = await addIdentityKey(h, app.id);
    const user = caller(h.url, { ...deviceHeaders(app, 'laptop'), 'X-User-Token': await mintToken(key, 'alice') });
    const conversation: Conversation = (await user.post(REST_PATHS.conversations)).body;
    expect(conversation.user_id).toBe('alice');
    const closed = await change(user, conversation.id, { status: 'closed' }, 0);
    expect(closed.status).toBe('closed');
    const grace = caller(h.url, { Authorization: `Bearer ${await mintToken(key, 'grace', { claims: { role: 'agent', name: 'Grace' } })}` });
    const assigned = await change(grace, conversation.id, { assignee_id: 'grace', status: 'open' }, 0);
    expect(assigned).toMatchObject({ status: 'open', assignee_id: 'grace' });
  });

  it('workflow - the internal route does what PATCH does, for the agent the gateway names', async () => {
    const { conversation } = await conversationWithMessages('internal');
    const headers = { 'X-Internal-Token': INTERNAL_TOKEN };
    const principal = { kind: 'agent', app_id: app.id, agent_id: 'agent-9', name: 'Nine' };
    const update = (body: object, extra: Record<string, string> = headers) =>
      request(h.url, 'POST', INTERNAL_PATHS.updateConversation, { headers: extra, body: { conversation_id: conversation.id, ...body } });

    const before = await conversationUpdates(h, conversation.id);
    const until = inHours(1);
    const snoozed = await update({ principal, status: 'snoozed', snoozed_until: until, assignee_id: 'agent-9' });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body).toEqual((await agent.get(conversationPath(conversation.id))).body);
    expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozed_until: until, assignee_id: 'agent-9', unread_count: 2 });
    const events = await conversationUpdates(h, conversation.id);
    expect(events).toHaveLength(before.length + 1);
    expect(events.at(-1)!.payload).toEqual({ app_id: app.id, conversation: snoozed.body, user_unread_count: 1 });

    // The same as PATCH: nothing changed, no event; the same rules and codes.
    expect((await update({ principal, assignee_id: 'agent-9' })).body).toEqual(snoozed.body);
    expect((await update({ principal, status: 'open' })).body).toMatchObject({ status: 'open', snoozed_until: null });
    expect((await update({ principal, snoozed_until: until })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await update({ principal, status: 'snoozed', snoozed_until: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
    expect((await update({ principal: { ...principal, app_id: (await h.createApp('elsewhere')).id }, status: 'closed' })).status).toBe(404);
    // Only an agent principal: a device's is refused by the body's schema.
    expect((await update({ principal: { kind: 'device', app_id: app.id, device_id: 'internal' }, status: 'closed' })).status).toBe(400);
    expect((await update({ principal, status: 'closed' }, {})).body.error.code).toBe('MISSING_PARAMS');
    expect(await conversationUpdates(h, conversation.id)).toHaveLength(before.length + 2);
  });

  it('workflow - the OpenAPI document has the PATCH with its request schema, and CORS allows PATCH', async () => {
    const { body } = await request(h.url, 'GET', '/openapi.json');
    const patch = body.paths['/v1/conversations/{id}'].patch;
    expect(patch.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/UpdateConversationRequest');
    expect(Object.keys(patch.responses).sort()).toEqual(['200', '400', '401', '403', '404', '413', '429']);
    const schema = body.components.schemas.UpdateConversationRequest;
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(['assignee_id', 'snoozed_until', 'status']);
    expect(body.components.schemas.Conversation.properties.status.enum).toEqual(['open', 'closed', 'snoozed']);
    expect(body.paths['/v1/conversations'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursor', 'status', 'assignee', 'unread']);

    await using replica = await h.startReplica({ allowedOrigins: ['https://console.example.com'], internalToken: INTERNAL_TOKEN });
    const preflight = await request(replica.url, 'OPTIONS', conversationPath('conv_x'), {
      headers: { Origin: 'https://console.example.com', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
  });
});
