import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, CreatedApp, Message } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { deviceHeaders, request, startMessagesHarness, type MessagesHarness, OPERATOR_TOKEN } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;
let otherApp: CreatedApp;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('acme');
  otherApp = await h.createApp('globex');
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('operator API', () => {
  it('operator API - creates an app with secrets shown once and only their hashes stored', async () => {
    const response = await request<CreatedApp>(h.url, 'POST', '/v1/apps', {
      headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: { name: 'initech' },
    });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['admin_token', 'api_key', 'created_at', 'id', 'name']);
    expect(response.body.name).toBe('initech');
    expect(response.body.created_at).toMatch(ISO);
    const row = await h.db.selectFrom('apps').selectAll().where('id', '=', response.body.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(response.body.api_key);
    expect(JSON.stringify(row)).not.toContain(response.body.admin_token);
    expect(row.api_key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('operator API - missing token is 401 MISSING_PARAMS, wrong token 401 INVALID_CREDENTIALS', async () => {
    const missing = await request(h.url, 'POST', '/v1/apps', { body: { name: 'x' } });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('MISSING_PARAMS');
    const wrong = await request(h.url, 'POST', '/v1/apps', {
      headers: { Authorization: 'Bearer not-the-operator-token' },
      body: { name: 'x' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    // An app's admin token is not an operator token.
    const agent = await request(h.url, 'POST', '/v1/apps', { headers: { Authorization: `Bearer ${app.admin_token}` }, body: { name: 'x' } });
    expect(agent.status).toBe(401);
  });

  it('operator API - answers 404 when OPERATOR_TOKEN is unset', async () => {
    await using replica = await h.startReplica({ operatorToken: undefined });
    const response = await request(replica.url, 'POST', '/v1/apps', {
      headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: { name: 'x' },
    });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });
});

describe('authentication', () => {
  it('auth - missing client headers are 401 MISSING_PARAMS naming them', async () => {
    const response = await request(h.url, 'GET', '/v1/conversations', { headers: { 'X-App-Id': app.id } });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('MISSING_PARAMS');
    expect(response.body.error.message).toContain('X-Device-Id');
    expect(response.body.error.message).toContain('X-Api-Key');
  });

  it.each([
    ['wrong api key', () => ({ 'X-App-Id': app.id, 'X-Device-Id': 'd', 'X-Api-Key': 'sbk_wrong' })],
    ["another app's key", () => ({ 'X-App-Id': app.id, 'X-Device-Id': 'd', 'X-Api-Key': otherApp.api_key })],
    ['unknown app', () => ({ 'X-App-Id': 'app_nope', 'X-Device-Id': 'd', 'X-Api-Key': app.api_key })],
    ['malformed app id', () => ({ 'X-App-Id': 'app id?', 'X-Device-Id': 'd', 'X-Api-Key': app.api_key })],
    ['wrong admin token', () => ({ Authorization: `Bearer ${app.admin_token}x` })],
    ["admin token naming another app", () => ({ Authorization: `Bearer ${otherApp.admin_token.replace(otherApp.id, app.id)}` })],
    ['not a bearer', () => ({ Authorization: `Basic ${app.admin_token}` })],
  ])('auth - %s is 401 INVALID_CREDENTIALS', async (_name, headers) => {
    const response = await request(h.url, 'GET', '/v1/conversations', { headers: headers() });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it.each([
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['129 characters', 'd'.repeat(129)],
    ['a non-ASCII letter', 'appareil-é'],
  ])('auth - an X-Device-Id with %s is 400 VALIDATION_FAILED naming the header, not 401', async (_name, deviceId) => {
    const headers = { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key };
    const response = await request(h.url, 'GET', '/v1/conversations', { headers });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.fields).toEqual([{ path: 'X-Device-Id', message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ -' }]);
    expect(response.body.error.message).toBe('the request is not valid: X-Device-Id must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');
  });

  it('auth - every character the rule allows works in X-Device-Id, up to 128 of them', async () => {
    for (const deviceId of ['user@example.com:ios.1_a-b', 'D'.repeat(128)]) {
      const response = await h.device(app, deviceId).post('/v1/conversations');
      expect(response.status, deviceId).toBe(201);
      expect(response.body.device_id).toBe(deviceId);
    }
  });

  it('auth - device and agent credentials on one request are 400 VALIDATION_FAILED, not silently the agent', async () => {
    const device = { 'X-App-Id': app.id, 'X-Device-Id': 'both', 'X-Api-Key': app.api_key };
    for (const headers of <Array<Record<string, string>>>[
      { ...device, Authorization: `Bearer ${app.admin_token}` },
      { 'X-Device-Id': 'both', Authorization: `Bearer ${app.admin_token}` },
      { 'X-Api-Key': app.api_key, Authorization: `Bearer ${app.admin_token}` },
    ]) {
      const response = await request(h.url, 'GET', '/v1/conversations', { headers });
      expect(response.status, JSON.stringify(Object.keys(headers))).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.fields[0].path).toContain('Authorization');
    }
    const sent = await request(h.url, 'POST', '/v1/conversations', { headers: { ...device, Authorization: `Bearer ${app.admin_token}` } });
    expect(sent.status).toBe(400);
  });

  it('auth - an agent cannot open a conversation (403 FORBIDDEN)', async () => {
    const response = await h.agent(app).post('/v1/conversations', {});
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
  });
});

describe('conversations', () => {
  it('conversations - a device opens one; it has the contract shape and no messages yet', async () => {
    const response = await h.device(app, 'device-a').post('/v1/conversations');
    expect(response.status).toBe(201);
    const conversation: Conversation = response.body;
    expect(Object.keys(conversation).sort()).toEqual(
      [
        'app_id', 'assignee_id', 'created_at', 'device_id', 'id', 'last_message_at', 'last_message_id', 'snoozed_until',
        'status', 'unread_count', 'updated_at', 'user_id',
      ],
    );
    expect(conversation).toMatchObject({
      app_id: app.id, device_id: 'device-a', user_id: null, status: 'open', last_message_id: null,
      snoozed_until: null, assignee_id: null, last_message_at: null, unread_count: 0,
    });
    expect(conversation.created_at).toMatch(ISO);
    const withEmptyObject = await h.device(app, 'device-a').post('/v1/conversations', {});
    expect(withEmptyObject.status).toBe(201);
  });

  it('conversations - GET one: own device and own app only, 404 for others', async () => {
    const { body: conversation } = await h.device(app, 'device-b').post('/v1/conversations');
    expect((await h.device(app, 'device-b').get(`/v1/conversations/${conversation.id}`)).body).toEqual(conversation);
    expect((await h.agent(app).get(`/v1/conversations/${conversation.id}`)).body).toEqual(conversation);
    for (const stranger of [h.device(app, 'device-c'), h.device(otherApp, 'device-b'), h.agent(otherApp)]) {
      const response = await stranger.get(`/v1/conversations/${conversation.id}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
    expect((await h.agent(app).get('/v1/conversations/conv_doesnotexist')).status).toBe(404);
  });

  it('conversations - list: newest activity first, paged with an opaque cursor, scoped to device or app', async () => {
    const fresh = await h.createApp('paging');
    const device = h.device(fresh, 'pager');
    const opened: Conversation[] = [];
    for (let i = 0; i < 5; i++) opened.push((await device.post('/v1/conversations')).body);
    await h.device(fresh, 'someone-else').post('/v1/conversations');
    // Activity on the oldest moves it to the front.
    await device.post(`/v1/conversations/${opened[0]!.id}/messages`, { body: 'bump', local_id: 'b1' });
    const expected = [opened[0]!, opened[4]!, opened[3]!, opened[2]!, opened[1]!].map((c) => c.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: any = await device.get(`/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['data', 'next_cursor']);
      seen.push(...response.body.data.map((c: Conversation) => c.id));
      cursor = response.body.next_cursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(pages).toBe(3);

    const agentList = await h.agent(fresh).get('/v1/conversations?limit=200');
    expect(agentList.body.data).toHaveLength(6);
    expect(agentList.body.next_cursor).toBeNull();
    expect((await h.agent(app).get('/v1/conversations?limit=200')).body.data.every((c: Conversation) => c.app_id === app.id)).toBe(true);
  });
});

describe('messages', () => {
  let conversation: Conversation;
  beforeAll(async () => {
    conversation = (await h.device(app, 'chatty').post('/v1/conversations')).body;
  });
  const path = () => `/v1/conversations/${conversation.id}/messages`;

  it('messages - a client send is 201 with sender user and seq 1; the retry is 200 with the first message', async () => {
    const device = h.device(app, 'chatty');
    const first = await device.post(path(), { body: 'hello', local_id: 'm-1' });
    expect(first.status).toBe(201);
    const message: Message = first.body;
    expect(Object.keys(message).sort()).toEqual(['body', 'conversation_id', 'created_at', 'id', 'local_id', 'sender', 'sender_id', 'sender_name', 'seq', 'status']);
    expect(message).toMatchObject({ body: 'hello', local_id: 'm-1', seq: 1, sender: 'user', sender_id: 'chatty', sender_name: null, status: 'sent', conversation_id: conversation.id });
    const retry = await device.post(path(), { body: 'a different body', local_id: 'm-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(message);
    expect(await h.db.selectFrom('messages').where('conversation_id', '=', conversation.id).select('id').execute()).toHaveLength(1);
    const after = await device.get(`/v1/conversations/${conversation.id}`);
    expect(after.body.last_message_id).toBe(message.id);
  });

  it('messages - an agent send has sender agent; the same local_id in another conversation is a new message', async () => {
    const response = await h.agent(app).post(path(), { body: 'hi, how can I help?', local_id: 'agent-1' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ sender: 'agent', seq: 2 });
    const other = (await h.device(app, 'chatty').post('/v1/conversations')).body;
    const again = await h.device(app, 'chatty').post(`/v1/conversations/${other.id}/messages`, { body: 'x', local_id: 'm-1' });
    expect(again.status).toBe(201);
    expect(again.body.seq).toBe(1);
  });

  it('messages - another device, another app or an unknown conversation get 404 and nothing is written', async () => {
    const before = await h.count('messages');
    for (const stranger of [h.device(app, 'not-chatty'), h.device(otherApp, 'chatty'), h.agent(otherApp)]) {
      const send = await stranger.post(path(), { body: 'intrude', local_id: 'x-1' });
      expect(send.status).toBe(404);
      expect(send.body.error.code).toBe('NOT_FOUND');
      expect((await stranger.get(path())).status).toBe(404);
      const read = await stranger.post(`/v1/conversations/${conversation.id}/read`, { last_read_message_id: 'msg_x' });
      expect(read.status).toBe(404);
    }
    expect(await h.count('messages')).toBe(before);
  });

  it('messages - pages: newest by default, after and before cursors, has_more in each direction', async () => {
    const device = h.device(app, 'pages');
    const c: Conversation = (await device.post('/v1/conversations')).body;
    const sent: Message[] = [];
    for (let i = 1; i <= 7; i++) sent.push((await device.post(`/v1/conversations/${c.id}/messages`, { body: `m${i}`, local_id: `p${i}` })).body);
    const ids = (page: any) => page.body.data.map((m: Message) => m.seq);
    const base = `/v1/conversations/${c.id}/messages`;

    const latest = await device.get(`${base}?limit=3`);
    expect(Object.keys(latest.body).sort()).toEqual(['data', 'has_more']);
    expect(ids(latest)).toEqual([5, 6, 7]);
    expect(latest.body.has_more).toBe(true);
    expect(ids(await device.get(base))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await device.get(base)).body.has_more).toBe(false);

    const after = await device.get(`${base}?after=${sent[1]!.id}&limit=3`);
    expect(ids(after)).toEqual([3, 4, 5]);
    expect(after.body.has_more).toBe(true);
    const afterEnd = await device.get(`${base}?after=${sent[4]!.id}&limit=3`);
    expect(ids(afterEnd)).toEqual([6, 7]);
    expect(afterEnd.body.has_more).toBe(false);
    const afterLast = await device.get(`${base}?after=${sent[6]!.id}`);
    expect(afterLast.body).toEqual({ data: [], has_more: false });

    const before = await device.get(`${base}?before=${sent[5]!.id}&limit=3`);
    expect(ids(before)).toEqual([3, 4, 5]);
    expect(before.body.has_more).toBe(true);
    const beforeStart = await device.get(`${base}?before=${sent[2]!.id}&limit=3`);
    expect(ids(beforeStart)).toEqual([1, 2]);
    expect(beforeStart.body.has_more).toBe(false);

    // The agent sees the same page.
    expect(ids(await h.agent(app).get(`${base}?after=${sent[1]!.id}&limit=3`))).toEqual([3, 4, 5]);
  });

  it.each([
    ['a malformed cursor', (ids: string[]) => `after=${encodeURIComponent('not an id!')}`],
    ['a cursor of another conversation', (ids: string[]) => `after=${ids[1]}`],
    ['an unknown message id', () => 'before=msg_0000'],
    ['both after and before', (ids: string[]) => `after=${ids[0]}&before=${ids[0]}`],
    ['limit 0', () => 'limit=0'],
    ['limit 201', () => 'limit=201'],
    ['a non-numeric limit', () => 'limit=ten'],
    ['an unknown parameter', () => 'sort=desc'],
  ])('messages - %s is 400 VALIDATION_FAILED', async (_name, query) => {
    const device = h.device(app, 'cursors');
    const mine: Conversation = (await device.post('/v1/conversations')).body;
    const theirs: Conversation = (await device.post('/v1/conversations')).body;
    const a = (await device.post(`/v1/conversations/${mine.id}/messages`, { body: 'a', local_id: 'a' })).body;
    const b = (await device.post(`/v1/conversations/${theirs.id}/messages`, { body: 'b', local_id: 'b' })).body;
    const response = await device.get(`/v1/conversations/${mine.id}/messages?${query([a.id, b.id])}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.fields.length).toBeGreaterThan(0);
  });

  it('messages - a bad conversation cursor or page size is 400', async () => {
    for (const query of ['cursor=garbage', 'cursor=YTE6MTIzYWJj', 'limit=-1', 'limit=1.5']) {
      const response = await h.agent(app).get(`/v1/conversations?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
  it('cursors - a cursor whose number is beyond bigint is 400 VALIDATION_FAILED, never 500 (conversations and messages)', async () => {
    const device = h.device(app, 'cursor-range');
    const c: Conversation = (await device.post('/v1/conversations')).body;
    const cursor = (n: string) => Buffer.from(`a1:${n}`, 'utf8').toString('base64url');
    const queries = [
      `/v1/conversations?cursor=${cursor('9999999999999999999')}`,
      `/v1/conversations?cursor=${cursor('9223372036854775808')}`,
      `/v1/conversations?cursor=${cursor('99999999999999999999999')}`,
      `/v1/conversations/${c.id}/messages?after=99999999999999999999999`,
      `/v1/conversations/${c.id}/messages?before=9223372036854775808`,
      `/v1/conversations/${c.id}/messages?limit=99999999999999999999`,
    ];
    for (const path of queries) {
      for (const who of [device, h.agent(app)]) {
        const response = await who.get(path);
        expect(response.status, path).toBe(400);
        expect(response.body.error.code, path).toBe('VALIDATION_FAILED');
      }
    }
    // The largest bigint is a cursor like any other: a page (empty here), not an error.
    const edge = await device.get(`/v1/conversations?cursor=${cursor('9223372036854775807')}`);
    expect(edge.status).toBe(200);
    expect(edge.body.data.map((x: Conversation) => x.id)).toEqual([c.id]);
  });
});

describe('read receipts', () => {
  it('read - moves the side\'s marker forward only, and status is seen from the other side', async () => {
    const device = h.device(app, 'reader');
    const agent = h.agent(app);
    const c: Conversation = (await device.post('/v1/conversations')).body;
    const base = `/v1/conversations/${c.id}`;
    const u1: Message = (await device.post(`${base}/messages`, { body: 'u1', local_id: 'u1' })).body;
    const u2: Message = (await device.post(`${base}/messages`, { body: 'u2', local_id: 'u2' })).body;
    const a1: Message = (await agent.post(`${base}/messages`, { body: 'a1', local_id: 'a1' })).body;
    const statuses = async () =>
      Object.fromEntries((await device.get(`${base}/messages`)).body.data.map((m: Message) => [m.body, m.status]));
    expect(await statuses()).toEqual({ u1: 'sent', u2: 'sent', a1: 'sent' });

    const read = await agent.post(`${base}/read`, { last_read_message_id: u1.id });
    expect(read.status).toBe(204);
    expect(read.body).toBeUndefined();
    expect(await statuses()).toEqual({ u1: 'read', u2: 'sent', a1: 'sent' });

    // The device reading the agent's message does not change its own messages' status.
    expect((await device.post(`${base}/read`, { last_read_message_id: a1.id })).status).toBe(204);
    expect(await statuses()).toEqual({ u1: 'read', u2: 'sent', a1: 'read' });

    expect((await agent.post(`${base}/read`, { last_read_message_id: a1.id })).status).toBe(204);
    expect(await statuses()).toEqual({ u1: 'read', u2: 'read', a1: 'read' });

    // Never back.
    expect((await agent.post(`${base}/read`, { last_read_message_id: u1.id })).status).toBe(204);
    expect(await statuses()).toEqual({ u1: 'read', u2: 'read', a1: 'read' });
    const row = await h.db.selectFrom('conversations').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.agent_read_seq).toBe(3);
    expect(row.user_read_seq).toBe(3);
    // A retried send returns the message with its current status.
    expect((await device.post(`${base}/messages`, { body: 'u2', local_id: 'u2' })).body).toMatchObject({ id: u2.id, status: 'read' });
  });

  it('read - a message id that is not in the conversation is 400 and moves nothing', async () => {
    const device = h.device(app, 'reader2');
    const c: Conversation = (await device.post('/v1/conversations')).body;
    const response = await device.post(`/v1/conversations/${c.id}/read`, { last_read_message_id: 'msg_unknown' });
    expect(response.status).toBe(400);
    expect(response.body.error.fields[0].path).toBe('last_read_message_id');
  });
});

describe('service endpoints', () => {
  it('health - healthz and readyz answer 200, also over a reused keep-alive connection', async () => {
    await waitFor(async () => (await request(h.url, 'GET', '/readyz')).body.checks.nats === 'ok');
    for (let i = 0; i < 3; i++) {
      expect((await request(h.url, 'GET', '/healthz')).status).toBe(200);
      const ready = await request(h.url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', nats: 'ok', self: 'ok' } });
    }
  });

  it('health - readyz names each dependency: NATS may be down while ready', async () => {
    await using replica = await h.startReplica();
    await waitFor(async () => (await request(replica.url, 'GET', '/readyz')).body.checks.nats === 'ok');
    await replica.crash(); // closes its NATS connection (and its relay session)
    const withoutNats = await request(replica.url, 'GET', '/readyz');
    expect(withoutNats.status).toBe(200);
    expect(withoutNats.body).toEqual({ status: 'ready', checks: { postgres: 'ok', nats: 'down', self: 'ok' } });
  });

  it('metrics - exposes the HTTP histogram by route template, never by id, and the outbox series', async () => {
    const c: Conversation = (await h.device(app, 'metrics').post('/v1/conversations')).body;
    await h.device(app, 'metrics').get(`/v1/conversations/${c.id}`);
    await request(h.url, 'GET', '/no/such/route');
    const text: string = (await request(h.url, 'GET', '/metrics')).body;
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",service="messages",method="GET",route="/v1/conversations/:id",status="200"}');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain(c.id);
    for (const name of ['switchboard_outbox_backlog', 'switchboard_outbox_oldest_event_age_seconds', 'switchboard_outbox_published_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('openapi - documents every public route with the request schemas used for validation', async () => {
    const { status, body } = await request(h.url, 'GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths).sort()).toEqual([
      '/v1/apps',
      '/v1/apps/{app_id}',
      '/v1/apps/{app_id}/credentials/rotate',
      '/v1/apps/{app_id}/identity-keys',
      '/v1/apps/{app_id}/identity-keys/{kid}',
      '/v1/conversations',
      '/v1/conversations/{id}',
      '/v1/conversations/{id}/messages',
      '/v1/conversations/{id}/read',
    ]);
    const send = body.components.schemas.SendMessageRequest;
    expect(send.required.sort()).toEqual(['body', 'local_id']);
    expect(send.additionalProperties).toBe(false);
    expect(send.properties.local_id.pattern).toBeDefined();
    expect(body.components.schemas.Message.properties.sender.enum).toEqual(['user', 'agent', 'system']);
    expect(body.paths['/v1/conversations/{id}/messages'].post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/Message');
    // All three device headers and the bearer are security schemes; a device request needs all three at once.
    const schemes = body.components.securitySchemes;
    expect([schemes.appId, schemes.deviceId, schemes.apiKey].map((x: any) => [x.type, x.in, x.name])).toEqual([
      ['apiKey', 'header', 'X-App-Id'],
      ['apiKey', 'header', 'X-Device-Id'],
      ['apiKey', 'header', 'X-Api-Key'],
    ]);
    expect(schemes.agent).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.userToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-User-Token' });
    const device = { appId: [], deviceId: [], apiKey: [] };
    expect(body.paths['/v1/conversations'].post.security).toEqual([device, { ...device, userToken: [] }]);
    expect(body.paths['/v1/conversations'].get.security).toEqual([device, { ...device, userToken: [] }, { agent: [] }]);
    expect(body.paths['/v1/conversations'].get.responses['401'].description).toContain('TOKEN_EXPIRED');
    // The identity operator routes, with the schemas that validate them.
    expect(body.paths['/v1/apps/{app_id}/identity-keys'].post.security).toEqual([{ operator: [] }]);
    expect(body.paths['/v1/apps/{app_id}/identity-keys/{kid}'].delete.responses['204']).toBeDefined();
    expect(body.paths['/v1/apps/{app_id}'].patch.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/App');
    expect(body.components.schemas.UpdateAppRequest.properties.identity.enum).toEqual(['optional', 'required']);
    expect(body.components.schemas.CreateIdentityKeyRequest).toBeDefined();
  });

  it('methods - a method a known path does not take is 405 with Allow and the error body; OPTIONS lists them', async () => {
    const conversation: Conversation = (await h.device(app, 'methods').post('/v1/conversations')).body;
    const cases: Array<[string, string, string]> = [
      ['DELETE', `/v1/conversations/${conversation.id}`, 'HEAD, GET, PATCH'],
      ['PUT', '/v1/conversations', 'HEAD, GET, POST'],
      ['GET', '/v1/apps', 'POST'],
      ['GET', `/v1/conversations/${conversation.id}/read`, 'POST'],
      ['PATCH', `/v1/conversations/${conversation.id}/messages`, 'HEAD, GET, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await request(h.url, method, path, { headers: deviceHeaders(app, 'methods') });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')?.split(', ').sort()).toEqual(allow.split(', ').sort());
      expect(response.body.error.code).toBe('NOT_FOUND');
      expect(response.body.error.message).toContain(`${method} is not allowed`);
    }
    // Still nothing was deleted, and an unknown path stays a 404.
    expect((await h.device(app, 'methods').get(`/v1/conversations/${conversation.id}`)).status).toBe(200);
    expect((await request(h.url, 'DELETE', '/v1/nothing-here')).status).toBe(404);
    const options = await request(h.url, 'OPTIONS', '/v1/conversations');
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('validation messages - one style: each field message reads after the field name, joined in the error message', async () => {
    const device = h.device(app, 'style');
    const c: Conversation = (await device.post('/v1/conversations')).body;
    const wrongType = await device.post(`/v1/conversations/${c.id}/messages`, { body: 42, local_id: 'a', extra: 1 });
    expect(wrongType.body.error.fields).toEqual([
      { path: 'body', message: 'must be a string' },
      { path: 'extra', message: 'is not a known field' },
    ]);
    expect(wrongType.body.error.message).toBe('the body is not valid: body must be a string; extra is not a known field');
    const missing = await device.post(`/v1/conversations/${c.id}/messages`, {});
    expect(missing.body.error.fields).toEqual([
      { path: 'body', message: 'is required' },
      { path: 'local_id', message: 'is required' },
    ]);
    const notObject = await device.post(`/v1/conversations/${c.id}/messages`, [1]);
    expect(notObject.body.error.message).toBe('the body is not valid: the body must be an object');
    const broken = await device.post(`/v1/conversations/${c.id}/messages`, '{');
    expect(broken.body.error.message).toBe('the body is not valid: the body must be valid JSON');
    const both = await device.get(`/v1/conversations/${c.id}/messages?after=msg_a&before=msg_b`);
    expect(both.body.error.message).toBe('the query is not valid: after must not be given together with before');
    const cursor = await device.get('/v1/conversations?cursor=');
    expect(cursor.body.error.message).toBe('the query is not valid: cursor must not be empty');
    const plain = await request(h.url, 'POST', `/v1/conversations/${c.id}/messages`, {
      headers: { ...deviceHeaders(app, 'style'), 'Content-Type': 'text/plain' },
      body: '{"body":"hi","local_id":"a"}',
    });
    expect(plain.body.error.fields).toEqual([{ path: 'Content-Type', message: 'must be application/json' }]);
    // No zod wording reaches a caller.
    for (const r of [wrongType, missing, notObject, broken, both, cursor, plain]) {
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).not.toMatch(/Invalid input|expected|received|Too small/);
    }
  });

  it('request ids - echoed when sane, generated otherwise', async () => {
    const given = await request(h.url, 'GET', '/healthz', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const generated = await request(h.url, 'GET', '/healthz', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('cors - only allowed origins get CORS headers; requests without Origin are unaffected', async () => {
    await using replica = await h.startReplica({ allowedOrigins: ['https://app.example.com'] });
    const allowed = await request(replica.url, 'GET', '/healthz', { headers: { Origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await request(replica.url, 'GET', '/healthz', { headers: { Origin: 'https://evil.example.com' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(new URL('/v1/conversations', replica.url), {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('X-Api-Key');
    expect((await request(replica.url, 'GET', '/healthz')).status).toBe(200);
  });
});
