import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId, INTERNAL_PATHS, type CreatedApp } from '@switchboard/protocol';
import { hashSecret } from '../src/domain/secrets.js';
import { createMemoryRateLimiter } from '../src/rate-limit/memory-rate-limiter.js';
import { addIdentityKey, mintToken, nowSeconds, type IdentityKey } from '@switchboard/testing';
import { caller, deviceHeaders, OPERATOR_TOKEN, request, startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;
let other: CreatedApp;
let key: IdentityKey;
let agentKey: IdentityKey;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('identity');
  other = await h.createApp('identity-other');
  key = await addIdentityKey(h, app.id);
  agentKey = await addIdentityKey(h, app.id, 'ES256');
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const user = async (deviceId: string, sub: string, target: CreatedApp = app, signer: IdentityKey = key) =>
  caller(h.url, { ...deviceHeaders(target, deviceId), 'X-User-Token': await mintToken(signer, sub) });
const operator = { Authorization: `Bearer ${OPERATOR_TOKEN}` };
const fingerprint = (secret: string) => hashSecret(secret).slice(0, 16);

describe('identity - users across devices', () => {
  it("identity - a user's conversation opened on device A is seen from device B with the user's token, and by no one else", async () => {
    const aliceA = await user('phone', 'alice');
    const aliceB = await user('laptop', 'alice');
    const opened = await aliceA.post('/v1/conversations');
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ device_id: 'phone', user_id: 'alice' });
    const id = opened.body.id;
    const sent = await aliceA.post(`/v1/conversations/${id}/messages`, { body: 'from the phone', local_id: 'p1' });
    expect(sent.body).toMatchObject({ sender: 'user', sender_id: 'alice', sender_name: null });

    expect((await aliceB.get(`/v1/conversations/${id}`)).status).toBe(200);
    expect((await aliceB.get('/v1/conversations')).body.data.map((c: { id: string }) => c.id)).toContain(id);
    expect((await aliceB.get(`/v1/conversations/${id}/messages`)).body.data.map((m: { body: string }) => m.body)).toEqual(['from the phone']);
    const reply = await aliceB.post(`/v1/conversations/${id}/messages`, { body: 'from the laptop', local_id: 'l1' });
    expect(reply.status).toBe(201);
    expect(reply.body.sender_id).toBe('alice');

    // Nobody else: the anonymous device it was opened on, another user on that device, the same user id in another app.
    const strangers = [
      h.device(app, 'phone'),
      await user('phone', 'bob'),
      await user('laptop', 'mallory'),
      await user('phone', 'alice', other, await addIdentityKey(h, other.id)),
    ];
    for (const stranger of strangers) {
      expect((await stranger.get(`/v1/conversations/${id}`)).status).toBe(404);
      expect((await stranger.get(`/v1/conversations/${id}/messages`)).status).toBe(404);
      expect((await stranger.post(`/v1/conversations/${id}/messages`, { body: 'x', local_id: 'x' })).status).toBe(404);
      expect((await stranger.get('/v1/conversations')).body.data.map((c: { id: string }) => c.id)).not.toContain(id);
    }
    // The agents of the app see it.
    expect((await h.agent(app).get(`/v1/conversations/${id}`)).body.user_id).toBe('alice');
  });

  it("identity - an anonymous device's conversations are invisible to a user signed in on that device", async () => {
    const anonymous = h.device(app, 'kiosk');
    const c = (await anonymous.post('/v1/conversations')).body;
    expect(c.user_id).toBeNull();
    const carol = await user('kiosk', 'carol');
    expect((await carol.get(`/v1/conversations/${c.id}`)).status).toBe(404);
    expect((await carol.get('/v1/conversations')).body.data).toEqual([]);
    expect((await anonymous.get('/v1/conversations')).body.data.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const sent = await anonymous.post(`/v1/conversations/${c.id}/messages`, { body: 'anon', local_id: 'a1' });
    expect(sent.body.sender_id).toBe('kiosk');
  });

  it('identity - an expired user token is 401 TOKEN_EXPIRED on REST', async () => {
    const expired = await mintToken(key, 'alice', { claims: { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 } });
    const response = await request(h.url, 'GET', '/v1/conversations', { headers: { ...deviceHeaders(app, 'phone'), 'X-User-Token': expired } });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('TOKEN_EXPIRED');
  });

  it('identity - browsers may send X-User-Token (CORS preflight allows it)', async () => {
    const response = await fetch(new URL('/v1/conversations', h.url), {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-user-token,x-api-key' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-user-token');
  });

  it('identity - X-User-Token with an agent bearer is a 400; a user token without the device headers is MISSING_PARAMS', async () => {
    const token = await mintToken(key, 'alice');
    const both = await request(h.url, 'GET', '/v1/conversations', { headers: { Authorization: `Bearer ${app.admin_token}`, 'X-User-Token': token } });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
    const alone = await request(h.url, 'GET', '/v1/conversations', { headers: { 'X-User-Token': token } });
    expect(alone.status).toBe(401);
    expect(alone.body.error.code).toBe('MISSING_PARAMS');
  });
});

describe('identity - rate limits', () => {
  it('identity - a signed-in user is one REST caller across devices; another user has a budget of their own', async () => {
    const limited = await h.startReplica({ rateLimiter: createMemoryRateLimiter({ ratePerSecond: 0.1, burst: 3 }) });
    const on = async (deviceId: string, sub: string) => ({ ...deviceHeaders(app, deviceId), 'X-User-Token': await mintToken(key, sub) });
    const statuses = async (headers: Record<string, string>, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await request(limited.url, 'GET', '/v1/conversations', { headers })).status);
      return out;
    };
    expect(await statuses(await on('rl-1', 'rl-user'), 3)).toEqual([200, 200, 200]);
    expect((await statuses(await on('rl-2', 'rl-user'), 1))[0]).toBe(429);
    expect(await statuses(await on('rl-2', 'rl-other'), 1)).toEqual([200]);
    await limited.close();
  });
});

describe('identity - policy', () => {
  it('identity - policy required refuses anonymous REST clients, serves users, and changes nothing for agents; optional again serves them', async () => {
    const strict = await h.createApp('strict');
    const strictKey = await addIdentityKey(h, strict.id);
    const anonymous = h.device(strict, 'dev');
    expect((await anonymous.post('/v1/conversations')).status).toBe(201);

    const patched = await request(h.url, 'PATCH', `/v1/apps/${strict.id}`, { headers: operator, body: { identity: 'required' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ id: strict.id, name: 'strict', identity: 'required', created_at: expect.any(String) });

    const before = await h.count('conversations');
    for (const [method, path] of [['POST', '/v1/conversations'], ['GET', '/v1/conversations']] as const) {
      const refused = await request(h.url, method, path, { headers: deviceHeaders(strict, 'dev') });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('INVALID_CREDENTIALS');
    }
    const internal = await request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: strict.id, device_id: 'dev', api_key: strict.api_key } });
    expect(internal.status).toBe(401);
    expect(await h.count('conversations')).toBe(before);

    const dana = await user('dev', 'dana', strict, strictKey);
    expect((await dana.post('/v1/conversations')).status).toBe(201);
    expect((await h.agent(strict).get('/v1/conversations')).status).toBe(200);
    expect((await request(h.url, 'POST', INTERNAL_PATHS.authAdmin, { body: { app_id: strict.id, admin_token: strict.admin_token } })).status).toBe(200);

    await request(h.url, 'PATCH', `/v1/apps/${strict.id}`, { headers: operator, body: { identity: 'optional' } });
    expect((await anonymous.get('/v1/conversations')).status).toBe(200);
  });

  it('identity - PATCH /v1/apps/:app_id: operator token required, strict body, unknown app 404', async () => {
    const patch = (id: string, body: unknown, headers: Record<string, string> = operator) => request(h.url, 'PATCH', `/v1/apps/${id}`, { headers, body });
    expect((await patch(app.id, { identity: 'required' }, {})).status).toBe(401);
    expect((await patch(app.id, { identity: 'required' }, { Authorization: 'Bearer wrong-operator-token-000000' })).status).toBe(401);
    expect((await patch(app.id, { identity: 'sometimes' })).status).toBe(400);
    expect((await patch(app.id, { identity: 'optional', name: 'x' })).status).toBe(400);
    expect((await patch('app_unknown', { identity: 'optional' })).status).toBe(404);
    expect((await patch('not an id', { identity: 'optional' })).status).toBe(404);
  });
});

describe('identity - agents', () => {
  it("identity - an agent token's id and name go into sender_id and sender_name; the admin token names no one", async () => {
    const c = (await h.device(app, 'helpme').post('/v1/conversations')).body;
    const token = await mintToken(agentKey, 'agent-42', { claims: { role: 'agent', name: 'Grace Hopper' } });
    const agent = caller(h.url, { Authorization: `Bearer ${token}` });
    const sent = await agent.post(`/v1/conversations/${c.id}/messages`, { body: 'hello from Grace', local_id: 'g1' });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ sender: 'agent', sender_id: 'agent-42', sender_name: 'Grace Hopper' });
    expect((await agent.get('/v1/conversations')).status).toBe(200);
    // An agent token opens no conversation, like the admin token.
    expect((await agent.post('/v1/conversations')).status).toBe(403);

    const server = await h.agent(app).post(`/v1/conversations/${c.id}/messages`, { body: 'from the server', local_id: 's1' });
    expect(server.body).toMatchObject({ sender: 'agent', sender_id: null, sender_name: null });
    // An agent token cannot reach another app's conversation.
    const otherConversation = (await h.device(other, 'x').post('/v1/conversations')).body;
    expect((await agent.get(`/v1/conversations/${otherConversation.id}`)).status).toBe(404);
  });
});

describe('identity - internal API', () => {
  it('identity - client auth: the user principal, its latest conversation across devices, and the session', async () => {
    const token = await mintToken(key, 'erin', { claims: { exp: nowSeconds() + 600 } });
    const c = (await (await user('tablet', 'erin')).post('/v1/conversations')).body;
    const answer = await request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: app.id, device_id: 'watch', api_key: app.api_key, user_token: token } });
    expect(answer.status).toBe(200);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(answer.body).toEqual({
      principal: { kind: 'user', app_id: app.id, device_id: 'watch', user_id: 'erin' },
      latest_conversation: { id: c.id, last_message_id: null },
      session: {
        token_expires_at: new Date(exp * 1000).toISOString(),
        credentials_valid_until: null,
        credentials: [credentialId('api_key', fingerprint(app.api_key)), credentialId('identity_key', key.kid)],
      },
    });
    const anonymous = await request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: app.id, device_id: 'watch', api_key: app.api_key } });
    expect(anonymous.body.session).toEqual({ token_expires_at: null, credentials_valid_until: null, credentials: [credentialId('api_key', fingerprint(app.api_key))] });
  });

  it('identity - admin auth takes an agent token for the app it names, and reports the admin token it matched', async () => {
    const token = await mintToken(agentKey, 'agent-9', { claims: { role: 'agent', name: 'Nine' } });
    const answer = await request(h.url, 'POST', INTERNAL_PATHS.authAdmin, { body: { app_id: app.id, agent_token: token } });
    expect(answer.status).toBe(200);
    expect(answer.body.principal).toEqual({ kind: 'agent', app_id: app.id, agent_id: 'agent-9', name: 'Nine' });
    expect(answer.body.session).toMatchObject({ credentials_valid_until: null, credentials: [credentialId('identity_key', agentKey.kid)] });
    expect(answer.body.session.token_expires_at).toEqual(expect.any(String));
    // Another app claimed: its keys do not include this kid, and aud is not it.
    expect((await request(h.url, 'POST', INTERNAL_PATHS.authAdmin, { body: { app_id: other.id, agent_token: token } })).status).toBe(401);
    // Both credentials, or none: a malformed request.
    expect((await request(h.url, 'POST', INTERNAL_PATHS.authAdmin, { body: { app_id: app.id, agent_token: token, admin_token: app.admin_token } })).status).toBe(400);
    const admin = await request(h.url, 'POST', INTERNAL_PATHS.authAdmin, { body: { app_id: app.id, admin_token: app.admin_token } });
    expect(admin.body.session).toEqual({
      token_expires_at: null,
      credentials_valid_until: null,
      credentials: [credentialId('admin_token', fingerprint(app.admin_token))],
    });
  });

  it('identity - previous credentials work during their grace, reported with credentials_valid_until; not after', async () => {
    const rotated = await h.createApp('rotated');
    const until = new Date(Date.now() + 60_000);
    // What a rotation leaves behind (the rotation route is another slice's): a new current hash, the old one in grace.
    await h.db
      .updateTable('apps')
      .set({ api_key_hash: hashSecret('sbk_new'), previous_api_key_hash: hashSecret(rotated.api_key), previous_api_key_valid_until: until })
      .where('id', '=', rotated.id)
      .execute();
    await new Promise((resolve) => setTimeout(resolve, 5100)); // the cache's TTL: another process changed the app
    const auth = (apiKey: string) => request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: rotated.id, device_id: 'd', api_key: apiKey } });
    const old = await auth(rotated.api_key);
    expect(old.status).toBe(200);
    expect(old.body.session).toEqual({
      token_expires_at: null,
      credentials_valid_until: until.toISOString(),
      credentials: [credentialId('api_key', fingerprint(rotated.api_key))],
    });
    expect((await auth('sbk_new')).body.session.credentials_valid_until).toBeNull();
    await h.db.updateTable('apps').set({ previous_api_key_valid_until: new Date(Date.now() - 1000) }).where('id', '=', rotated.id).execute();
    await new Promise((resolve) => setTimeout(resolve, 5100));
    expect((await auth(rotated.api_key)).status).toBe(401);
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: deviceHeaders(rotated, 'd') })).status).toBe(401);
  });

  it('identity - auth refresh: same sub and kind → the new session; another sub or a principal without a token → FORBIDDEN', async () => {
    const refresh = (principal: object, token: string) => request(h.url, 'POST', INTERNAL_PATHS.authRefresh, { body: { principal, token } });
    const frank = { kind: 'user', app_id: app.id, device_id: 'd1', user_id: 'frank' };
    const token = await mintToken(key, 'frank', { claims: { exp: nowSeconds() + 900 } });
    const ok = await refresh(frank, token);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      session: { token_expires_at: expect.any(String), credentials_valid_until: null, credentials: [credentialId('identity_key', key.kid)] },
    });
    expect(Date.parse(ok.body.session.token_expires_at)).toBeGreaterThan(Date.now() + 800_000);

    const forbidden = async (principal: object, t: string) => {
      const response = await refresh(principal, t);
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    };
    await forbidden(frank, await mintToken(key, 'mallory'));
    await forbidden({ kind: 'device', app_id: app.id, device_id: 'd1' }, token);
    const agentToken = await mintToken(agentKey, 'agent-1', { claims: { role: 'agent' } });
    expect((await refresh({ kind: 'agent', app_id: app.id, agent_id: 'agent-1', name: null }, agentToken)).status).toBe(200);
    await forbidden({ kind: 'agent', app_id: app.id, agent_id: null, name: null }, agentToken);
    // Kind and app are checked like a handshake's: a user token for an agent, a token of another app, an expired one.
    expect((await refresh({ kind: 'agent', app_id: app.id, agent_id: 'frank', name: null }, token)).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await refresh({ ...frank, app_id: other.id }, token)).body.error.code).toBe('INVALID_CREDENTIALS');
    const expired = await mintToken(key, 'frank', { claims: { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 } });
    expect((await refresh(frank, expired)).body.error.code).toBe('TOKEN_EXPIRED');
  });
});
