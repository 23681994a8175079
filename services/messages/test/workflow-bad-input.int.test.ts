import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_PATHS, restPath, REST_PATHS, WORKFLOW, type Conversation, type CreatedApp, type ErrorCode } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { conversationUpdates } from './conversation-updates.js';
import { agentHeaders, deviceHeaders, request, startMessagesHarness, type MessagesHarness } from './harness.js';

const INTERNAL_TOKEN = 'internal-token-workflow-bad-0123456789';
const HOUR_MS = 3_600_000;

let h: MessagesHarness;
let app: CreatedApp;
let other: CreatedApp;
/** Open, with a message. */
let open: Conversation;
/** Snoozed by an agent for a day, assigned. */
let snoozed: Conversation;
/** Another app's. */
let foreign: Conversation;

beforeAll(async () => {
  h = await startMessagesHarness({ internalToken: INTERNAL_TOKEN });
  app = await h.createApp('workflow-bad-input');
  other = await h.createApp('workflow-bad-input-other');
  open = (await h.device(app, 'dev').post(REST_PATHS.conversations)).body;
  await h.device(app, 'dev').post(restPath(REST_PATHS.messages, open.id), { body: 'hello', local_id: 'hello' });
  snoozed = (await h.device(app, 'dev').post(REST_PATHS.conversations)).body;
  const patched = await h.agent(app).patch(restPath(REST_PATHS.conversation, snoozed.id), { status: 'snoozed', snoozed_until: at(24), assignee_id: 'agent-1' });
  expect(patched.status).toBe(200);
  foreign = (await h.device(other, 'dev').post(REST_PATHS.conversations)).body;
  // The relay removes published events; let it finish so the snapshots below only see what a case writes.
  await waitFor(async () => (await h.count('outbox')) === 0);
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

/** An ISO time `hours` from now (negative: past). */
function at(hours: number): string {
  return new Date(Date.now() + hours * HOUR_MS).toISOString();
}

/** `request` adds `content-type: application/json` to a request with a body. */
const json = {};
const agent = () => ({ ...json, ...agentHeaders(app) });
const otherAgent = () => ({ ...json, ...agentHeaders(other) });
const device = (id = 'dev') => () => ({ ...json, ...deviceHeaders(app, id) });
const internal = () => ({ ...json, 'X-Internal-Token': INTERNAL_TOKEN });
const agentPrincipal = () => ({ kind: 'agent', app_id: app.id });

type Target = () => { method: 'PATCH' | 'POST'; path: string };
const patch = (conversation: () => string): Target => () => ({ method: 'PATCH', path: restPath(REST_PATHS.conversation, conversation()) });
const onOpen = patch(() => open.id);
const onSnoozed = patch(() => snoozed.id);
const onForeign = patch(() => foreign.id);
const viaInternal: Target = () => ({ method: 'POST', path: INTERNAL_PATHS.updateConversation });

type Case = [
  name: string,
  target: Target,
  headers: () => Record<string, string>,
  /** A JSON value (sent as JSON), a string (sent as is) or undefined (no body). */
  body: () => unknown,
  status: number,
  code: ErrorCode,
  /** For a 400: the field it names. */
  field?: string,
];

const tooFar = () => new Date(Date.now() + (WORKFLOW.snoozeMaxSeconds + 3600) * 1000).toISOString();

const cases: Case[] = [
  // Malformed bodies, from an agent.
  ['an unknown field', onOpen, agent, () => ({ status: 'closed', priority: 'high' }), 400, 'VALIDATION_FAILED'],
  ['status of the wrong type', onOpen, agent, () => ({ status: 1 }), 400, 'VALIDATION_FAILED', 'status'],
  ['an unknown status', onOpen, agent, () => ({ status: 'archived' }), 400, 'VALIDATION_FAILED', 'status'],
  ['assignee_id of the wrong type', onOpen, agent, () => ({ assignee_id: 42 }), 400, 'VALIDATION_FAILED', 'assignee_id'],
  ['assignee_id with a space', onOpen, agent, () => ({ assignee_id: 'agent one' }), 400, 'VALIDATION_FAILED', 'assignee_id'],
  ['assignee_id of 129 characters', onOpen, agent, () => ({ assignee_id: 'a'.repeat(129) }), 400, 'VALIDATION_FAILED', 'assignee_id'],
  ['snoozed_until of the wrong type', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: Date.now() + HOUR_MS }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed_until not a time', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: 'tomorrow' }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed_until without a zone', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: '2031-01-01T00:00:00' }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed without snoozed_until', onOpen, agent, () => ({ status: 'snoozed' }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed with snoozed_until null', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: null }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed with a past snoozed_until', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: at(-1) }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed until now, not after', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: new Date().toISOString() }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed too far ahead', onOpen, agent, () => ({ status: 'snoozed', snoozed_until: tooFar() }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['re-timing too far ahead', onSnoozed, agent, () => ({ snoozed_until: tooFar() }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['re-timing into the past', onSnoozed, agent, () => ({ snoozed_until: at(-1) }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed_until with open', onSnoozed, agent, () => ({ status: 'open', snoozed_until: at(1) }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed_until with closed', onSnoozed, agent, () => ({ status: 'closed', snoozed_until: at(1) }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed_until alone on an open conversation', onOpen, agent, () => ({ snoozed_until: at(1) }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['snoozed_until null alone on a snoozed conversation', onSnoozed, agent, () => ({ snoozed_until: null }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['an empty object', onOpen, agent, () => ({}), 400, 'VALIDATION_FAILED'],
  ['no body', onOpen, agent, () => undefined, 400, 'VALIDATION_FAILED'],
  ['broken JSON', onOpen, agent, () => '{"status": ', 400, 'VALIDATION_FAILED'],
  ['a JSON array', onOpen, agent, () => '[{"status": "closed"}]', 400, 'VALIDATION_FAILED'],
  ['null', onOpen, agent, () => 'null', 400, 'VALIDATION_FAILED'],
  // A client may only close.
  ['a client assigning', onOpen, device(), () => ({ assignee_id: 'me' }), 403, 'FORBIDDEN'],
  ['a client snoozing', onOpen, device(), () => ({ status: 'snoozed', snoozed_until: at(1) }), 403, 'FORBIDDEN'],
  ['a client re-timing a snooze', onSnoozed, device(), () => ({ snoozed_until: at(2) }), 403, 'FORBIDDEN'],
  ['a client reopening', onSnoozed, device(), () => ({ status: 'open' }), 403, 'FORBIDDEN'],
  ['a client unassigning', onSnoozed, device(), () => ({ assignee_id: null }), 403, 'FORBIDDEN'],
  ['a client closing and unassigning', onSnoozed, device(), () => ({ status: 'closed', assignee_id: null }), 403, 'FORBIDDEN'],
  ['a client: an unknown field is a 400 first', onOpen, device(), () => ({ status: 'closed', extra: 1 }), 400, 'VALIDATION_FAILED'],
  ['a client: an unknown status is a 400 first', onOpen, device(), () => ({ status: 'done' }), 400, 'VALIDATION_FAILED', 'status'],
  // Whose conversation.
  ['another device closing it', onOpen, device('intruder'), () => ({ status: 'closed' }), 404, 'NOT_FOUND'],
  ['an agent of another app', onOpen, otherAgent, () => ({ status: 'closed' }), 404, 'NOT_FOUND'],
  ['a conversation id of another app', onForeign, agent, () => ({ assignee_id: 'agent-1' }), 404, 'NOT_FOUND'],
  ['a device closing another app’s conversation', onForeign, device(), () => ({ status: 'closed' }), 404, 'NOT_FOUND'],
  ['an unknown conversation id', patch(() => 'conv_nope'), agent, () => ({ status: 'closed' }), 404, 'NOT_FOUND'],
  ['a malformed conversation id', patch(() => ' "x'), agent, () => ({ status: 'closed' }), 404, 'NOT_FOUND'],
  ['no credentials', onOpen, () => json, () => ({ status: 'closed' }), 401, 'MISSING_PARAMS'],
  // The internal route (the admin socket's `conversation:update`): the same rules.
  ['internal: a device principal', viaInternal, internal, () => ({ principal: { kind: 'device', app_id: app.id, device_id: 'dev' }, conversation_id: open.id, status: 'closed' }), 400, 'VALIDATION_FAILED', 'principal.kind'],
  ['internal: an unknown field', viaInternal, internal, () => ({ principal: agentPrincipal(), conversation_id: open.id, status: 'closed', extra: true }), 400, 'VALIDATION_FAILED'],
  ['internal: snoozed without snoozed_until', viaInternal, internal, () => ({ principal: agentPrincipal(), conversation_id: open.id, status: 'snoozed' }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['internal: a past snoozed_until', viaInternal, internal, () => ({ principal: agentPrincipal(), conversation_id: open.id, status: 'snoozed', snoozed_until: at(-1) }), 400, 'VALIDATION_FAILED', 'snoozed_until'],
  ['internal: an agent of another app', viaInternal, internal, () => ({ principal: { kind: 'agent', app_id: other.id }, conversation_id: open.id, status: 'closed' }), 404, 'NOT_FOUND'],
  ['internal: a conversation of another app', viaInternal, internal, () => ({ principal: agentPrincipal(), conversation_id: foreign.id, status: 'closed' }), 404, 'NOT_FOUND'],
  ['internal: no internal token', viaInternal, () => json, () => ({ principal: agentPrincipal(), conversation_id: open.id, status: 'closed' }), 401, 'MISSING_PARAMS'],
];

describe('workflow bad input', () => {
  const table = cases.map((c) => ({ name: c[0], status: c[4], code: c[5], c }));
  it.each(table)('workflow bad input - $name → $status $code, nothing changed', async ({ c: [, target, headers, body, status, code, field] }) => {
    const before = await snapshot();
    const { method, path } = target();
    const payload = body();
    const response = await request(h.url, method, path, { headers: headers(), body: payload });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    if (field !== undefined) expect(response.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });
});

/** The three conversations' rows (every column), the outbox, and the `conversation.updated` events written for them. */
async function snapshot() {
  const ids = [open.id, snoozed.id, foreign.id];
  return {
    conversations: await h.db.selectFrom('conversations').selectAll().where('id', 'in', ids).orderBy('id').execute(),
    messages: await h.count('messages'),
    outbox: await h.count('outbox'),
    updates: await Promise.all(ids.map(async (id) => (await conversationUpdates(h, id)).map((e) => e.msgId))),
  };
}
