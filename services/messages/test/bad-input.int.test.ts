import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, CreatedApp, ErrorCode } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { agentHeaders, deviceHeaders, OPERATOR_TOKEN, startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;
let conversation: Conversation;
let messageId: string;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('bad-input');
  conversation = (await h.device(app, 'dev').post('/v1/conversations')).body;
  messageId = (await h.device(app, 'dev').post(`/v1/conversations/${conversation.id}/messages`, { body: 'first', local_id: 'first' })).body.id;
  // The relay removes published events; let it finish so the snapshots below only see what a case writes.
  await waitFor(async () => (await h.count('outbox')) === 0);
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

interface RawResponse {
  status: number;
  body: any;
}

/** Sends exactly these bytes (fetch would fix up what we want to get wrong). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  options: { chunked?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, h.url);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    if (body !== undefined && !options.chunked) req.setHeader('Content-Length', Buffer.byteLength(body));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

type Case = [name: string, method: string, path: () => string, headers: () => Record<string, string>, body: string | (() => string) | undefined, status: number, code: ErrorCode, chunked?: boolean];

const json = { 'Content-Type': 'application/json' };
const dev = () => ({ ...json, ...deviceHeaders(app, 'dev') });
const agent = () => ({ ...json, ...agentHeaders(app) });
const operator = () => ({ ...json, Authorization: `Bearer ${OPERATOR_TOKEN}` });
const send = () => `/v1/conversations/${conversation.id}/messages`;
const read = () => `/v1/conversations/${conversation.id}/read`;
const big = (bytes: number) => JSON.stringify({ body: 'x'.repeat(bytes), local_id: 'big' });

const cases: Case[] = [
  ['broken JSON', 'POST', send, dev, '{"body": "hi", "local_id": ', 400, 'VALIDATION_FAILED'],
  ['a JSON array', 'POST', send, dev, '[1,2]', 400, 'VALIDATION_FAILED'],
  ['a JSON string', 'POST', send, dev, '"hi"', 400, 'VALIDATION_FAILED'],
  ['null', 'POST', send, dev, 'null', 400, 'VALIDATION_FAILED'],
  ['an empty body', 'POST', send, dev, '', 400, 'VALIDATION_FAILED'],
  ['an empty object', 'POST', send, dev, '{}', 400, 'VALIDATION_FAILED'],
  ['body of the wrong type', 'POST', send, dev, '{"body": 42, "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['local_id of the wrong type', 'POST', send, dev, '{"body": "hi", "local_id": 7}', 400, 'VALIDATION_FAILED'],
  ['an unknown field', 'POST', send, dev, '{"body": "hi", "local_id": "a", "sender": "agent"}', 400, 'VALIDATION_FAILED'],
  ['a blank body', 'POST', send, dev, '{"body": "  \\n\\t ", "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['a body with a NUL character', 'POST', send, dev, '{"body": "a\\u0000b", "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['an empty message body', 'POST', send, dev, '{"body": "", "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['a body of 10,001 characters', 'POST', send, dev, JSON.stringify({ body: 'é'.repeat(10_001), local_id: 'a' }), 400, 'VALIDATION_FAILED'],
  ['an empty local_id', 'POST', send, dev, '{"body": "hi", "local_id": ""}', 400, 'VALIDATION_FAILED'],
  ['a local_id of 129 characters', 'POST', send, dev, JSON.stringify({ body: 'hi', local_id: 'a'.repeat(129) }), 400, 'VALIDATION_FAILED'],
  ['a local_id with a space', 'POST', send, dev, '{"body": "hi", "local_id": "a b"}', 400, 'VALIDATION_FAILED'],
  ['a local_id with a slash', 'POST', send, dev, '{"body": "hi", "local_id": "a/b"}', 400, 'VALIDATION_FAILED'],
  ['a text/plain body', 'POST', send, () => ({ ...dev(), 'Content-Type': 'text/plain' }), '{"body": "hi", "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['a body over 64 KiB (Content-Length)', 'POST', send, dev, big(70_000), 413, 'PAYLOAD_TOO_LARGE'],
  ['a body over 64 KiB (chunked)', 'POST', send, dev, big(70_000), 413, 'PAYLOAD_TOO_LARGE', true],
  ['a body of a megabyte', 'POST', send, dev, big(1_000_000), 413, 'PAYLOAD_TOO_LARGE'],
  ['no credentials', 'POST', send, () => json, '{"body": "hi", "local_id": "a"}', 401, 'MISSING_PARAMS'],
  ['a wrong api key', 'POST', send, () => ({ ...dev(), 'X-Api-Key': 'nope' }), '{"body": "hi", "local_id": "a"}', 401, 'INVALID_CREDENTIALS'],
  ['a malformed X-Device-Id', 'POST', send, () => ({ ...dev(), 'X-Device-Id': 'dev/../x' }), '{"body": "hi", "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['an X-Device-Id of 129 characters', 'POST', () => '/v1/conversations', () => ({ ...dev(), 'X-Device-Id': 'd'.repeat(129) }), undefined, 400, 'VALIDATION_FAILED'],
  ['device and agent credentials together', 'POST', send, () => ({ ...dev(), ...agentHeaders(app) }), '{"body": "hi", "local_id": "a"}', 400, 'VALIDATION_FAILED'],
  ['open: device and agent credentials together', 'POST', () => '/v1/conversations', () => ({ ...dev(), ...agentHeaders(app) }), undefined, 400, 'VALIDATION_FAILED'],
  ['a method the path does not take', 'PUT', send, dev, '{"body": "hi", "local_id": "a"}', 405, 'NOT_FOUND'],
  ['DELETE on a conversation', 'DELETE', () => `/v1/conversations/${conversation.id}`, dev, undefined, 405, 'NOT_FOUND'],
  ['another device', 'POST', send, () => ({ ...json, ...deviceHeaders(app, 'other') }), '{"body": "hi", "local_id": "a"}', 404, 'NOT_FOUND'],
  ['a malformed conversation id', 'POST', () => '/v1/conversations/%20%22x/messages', dev, '{"body": "hi", "local_id": "a"}', 404, 'NOT_FOUND'],
  ['an unknown route', 'POST', () => '/v1/conversations/x/unknown', dev, '{}', 404, 'NOT_FOUND'],
  ['read: wrong type', 'POST', read, agent, '{"last_read_message_id": 5}', 400, 'VALIDATION_FAILED'],
  ['read: unknown field', 'POST', read, agent, () => JSON.stringify({ last_read_message_id: messageId, extra: true }), 400, 'VALIDATION_FAILED'],
  ['read: missing field', 'POST', read, agent, '{}', 400, 'VALIDATION_FAILED'],
  ['read: a message of no conversation', 'POST', read, agent, '{"last_read_message_id": "msg_nope"}', 400, 'VALIDATION_FAILED'],
  ['open: an unknown field', 'POST', () => '/v1/conversations', dev, '{"device_id": "someone-else"}', 400, 'VALIDATION_FAILED'],
  ['open: broken JSON', 'POST', () => '/v1/conversations', dev, '{', 400, 'VALIDATION_FAILED'],
  ['app: blank name', 'POST', () => '/v1/apps', operator, '{"name": "   "}', 400, 'VALIDATION_FAILED'],
  ['app: name too long', 'POST', () => '/v1/apps', operator, JSON.stringify({ name: 'n'.repeat(101) }), 400, 'VALIDATION_FAILED'],
  ['app: unknown field', 'POST', () => '/v1/apps', operator, '{"name": "x", "api_key": "mine"}', 400, 'VALIDATION_FAILED'],
  ['app: no body', 'POST', () => '/v1/apps', operator, undefined, 400, 'VALIDATION_FAILED'],
];

describe('bad input', () => {
  it.each(cases)('bad input - %s → %i %s, nothing written', async (_name, method, path, headers, body, status, code, chunked) => {
    const payload = typeof body === 'function' ? body() : body;
    const before = await snapshot();
    const response = await raw(method, path(), headers(), payload, { chunked: chunked ?? false });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe('string');
    if (code === 'VALIDATION_FAILED') expect(Array.isArray(response.body.error.fields)).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  it('bad input - the first message is untouched after all of it', async () => {
    const page = await h.device(app, 'dev').get(`/v1/conversations/${conversation.id}/messages`);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.data[0]).toMatchObject({ id: messageId, body: 'first', status: 'sent' });
  });
});

async function snapshot() {
  const conversations = await h.db.selectFrom('conversations').select(['id', 'last_seq', 'user_read_seq', 'agent_read_seq', 'activity']).orderBy('id').execute();
  return {
    apps: await h.count('apps'),
    messages: await h.count('messages'),
    outbox: await h.count('outbox'),
    conversations,
  };
}
