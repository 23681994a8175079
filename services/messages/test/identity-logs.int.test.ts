import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_PATHS, type CreatedApp } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { addIdentityKey, mintToken, nowSeconds } from '@switchboard/testing';
import { deviceHeaders, OPERATOR_TOKEN, request, startMessagesHarness, type MessagesHarness } from './harness.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...chunk.toString().split('\n').filter((line: string) => line !== ''));
    done();
  },
});

let h: MessagesHarness;

beforeAll(async () => {
  // The most talkative level: whatever a production service could ever print.
  h = await startMessagesHarness({ logger: createLogger({ service: 'messages', level: 'debug', destination: capture }) });
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe('identity - logs', () => {
  it('identity - no token, identity secret, api key, admin token or operator token appears in any log line of a run', async () => {
    const app: CreatedApp = await h.createApp('logs');
    const hs = await addIdentityKey(h, app.id);
    const es = await addIdentityKey(h, app.id, 'ES256');
    const userToken = await mintToken(hs, 'alice', { claims: { name: 'Alice', email: 'alice@example.com' } });
    const agentToken = await mintToken(es, 'agent-1', { claims: { role: 'agent', name: 'Ada' } });
    const expired = await mintToken(hs, 'alice', { claims: { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 } });
    const wrongAud = await mintToken(hs, 'alice', { claims: { aud: 'app_other' } });
    const secrets = [app.api_key, app.admin_token, hs.secret!, OPERATOR_TOKEN, userToken, agentToken, expired, wrongAud];

    // Good and bad calls of every kind that carries a secret.
    const user = { ...deviceHeaders(app, 'd1'), 'X-User-Token': userToken };
    const c = (await request(h.url, 'POST', '/v1/conversations', { headers: user })).body;
    await request(h.url, 'POST', `/v1/conversations/${c.id}/messages`, { headers: user, body: { body: 'hi', local_id: 'l1' } });
    await request(h.url, 'POST', `/v1/conversations/${c.id}/messages`, { headers: { Authorization: `Bearer ${agentToken}` }, body: { body: 'hello', local_id: 'a1' } });
    for (const token of [expired, wrongAud, `${userToken}x`, 'garbage']) {
      await request(h.url, 'GET', '/v1/conversations', { headers: { ...deviceHeaders(app, 'd1'), 'X-User-Token': token } });
      await request(h.url, 'GET', '/v1/conversations', { headers: { Authorization: `Bearer ${token}` } });
      await request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: app.id, device_id: 'd1', api_key: app.api_key, user_token: token } });
      await request(h.url, 'POST', INTERNAL_PATHS.authAdmin, { body: { app_id: app.id, agent_token: token } });
    }
    await request(h.url, 'GET', '/v1/conversations', { headers: { ...deviceHeaders(app, 'd1'), 'X-Api-Key': `${app.api_key}x` } });
    await request(h.url, 'GET', '/v1/conversations', { headers: { Authorization: `Bearer ${app.admin_token}x` } });
    await request(h.url, 'POST', INTERNAL_PATHS.authRefresh, { body: { principal: { kind: 'user', app_id: app.id, device_id: 'd1', user_id: 'bob' }, token: userToken } });
    // Malformed bodies echo nothing secret either.
    await request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: app.id, device_id: 'bad id!', api_key: app.api_key, user_token: userToken } });
    await request(h.url, 'POST', `/v1/apps/${app.id}/identity-keys`, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` }, body: { alg: 'HS256', secret: hs.secret } });
    await request(h.url, 'DELETE', `/v1/apps/${app.id}/identity-keys/${hs.kid}`, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } });

    expect(lines.length).toBeGreaterThan(20); // the run was logged (debug: a line per request)
    const text = lines.join('\n');
    for (const secret of secrets) {
      expect(text.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false);
    }
    // Nor a token's signature alone, nor the random part of the api key or admin token.
    for (const token of [userToken, agentToken]) expect(text).not.toContain(token.split('.')[2]!);
    expect(text).not.toContain(app.admin_token.split('.')[2]!);
    expect(text).not.toContain(app.api_key.slice(4));
  });
});
