import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId, INTERNAL_PATHS, type CreatedApp } from '@switchboard/protocol';
import { hashSecret } from '../src/domain/secrets.js';
import { request, startMessagesHarness, type MessagesHarness } from './harness.js';

const INTERNAL_TOKEN = 'internal-token-0123456789';
let h: MessagesHarness;
let app: CreatedApp;
let other: CreatedApp;
const headers = { 'X-Internal-Token': INTERNAL_TOKEN };

beforeAll(async () => {
  h = await startMessagesHarness({ internalToken: INTERNAL_TOKEN });
  app = await h.createApp('internal');
  other = await h.createApp('other');
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const post = (path: string, body: unknown, extra: Record<string, string> = headers) => request(h.url, 'POST', path, { headers: extra, body });

describe('internal API', () => {
  it('internal - requires the internal token when one is configured', async () => {
    const body = { app_id: app.id, device_id: 'd', api_key: app.api_key };
    expect((await post(INTERNAL_PATHS.authClient, body, {})).body.error.code).toBe('MISSING_PARAMS');
    expect((await post(INTERNAL_PATHS.authClient, body, { 'X-Internal-Token': 'wrong-token-0123456789' })).status).toBe(401);
    expect((await post(INTERNAL_PATHS.authClient, body)).status).toBe(200);
  });

  it('internal - client auth answers the device and its latest conversation', async () => {
    const fresh = await post(INTERNAL_PATHS.authClient, { app_id: app.id, device_id: 'newbie', api_key: app.api_key });
    expect(fresh.body).toEqual({
      principal: { kind: 'device', app_id: app.id, device_id: 'newbie' },
      latest_conversation: null,
      session: { token_expires_at: null, credentials_valid_until: null, credentials: [credentialId('api_key', hashSecret(app.api_key).slice(0, 16))] },
    });
    const older = (await h.device(app, 'newbie').post('/v1/conversations')).body;
    const newer = (await h.device(app, 'newbie').post('/v1/conversations')).body;
    const m = (await h.device(app, 'newbie').post(`/v1/conversations/${older.id}/messages`, { body: 'x', local_id: 'x' })).body;
    const answer = await post(INTERNAL_PATHS.authClient, { app_id: app.id, device_id: 'newbie', api_key: app.api_key });
    expect(answer.body.latest_conversation).toEqual({ id: older.id, last_message_id: m.id });
    expect(newer.id).not.toBe(older.id);
    const wrong = await post(INTERNAL_PATHS.authClient, { app_id: app.id, device_id: 'newbie', api_key: other.api_key });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('internal - admin auth checks the token against the claimed app', async () => {
    expect((await post(INTERNAL_PATHS.authAdmin, { app_id: app.id, admin_token: app.admin_token })).body).toEqual({
      principal: { kind: 'agent', app_id: app.id, agent_id: null, name: null },
      session: { token_expires_at: null, credentials_valid_until: null, credentials: [credentialId('admin_token', hashSecret(app.admin_token).slice(0, 16))] },
    });
    expect((await post(INTERNAL_PATHS.authAdmin, { app_id: other.id, admin_token: app.admin_token })).status).toBe(401);
    expect((await post(INTERNAL_PATHS.authAdmin, { app_id: app.id })).status).toBe(400);
  });

  it('internal - conversation access and sends are scoped by the principal', async () => {
    const c = (await h.device(app, 'owner').post('/v1/conversations')).body;
    const access = (principal: object) => post(INTERNAL_PATHS.conversationAccess, { principal, conversation_id: c.id });
    expect((await access({ kind: 'device', app_id: app.id, device_id: 'owner' })).body).toEqual({ conversation_id: c.id, app_id: app.id, device_id: 'owner', user_id: null, last_message_id: null });
    expect((await access({ kind: 'agent', app_id: app.id })).status).toBe(200);
    expect((await access({ kind: 'device', app_id: app.id, device_id: 'intruder' })).status).toBe(404);
    expect((await access({ kind: 'agent', app_id: other.id })).status).toBe(404);

    const send = (principal: object, local_id: string) => post(INTERNAL_PATHS.sendMessage, { principal, conversation_id: c.id, body: 'hey', local_id });
    const first = await send({ kind: 'agent', app_id: app.id }, 'agent-1');
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    expect(first.body.message).toMatchObject({ sender: 'agent', seq: 1 });
    const retry = await send({ kind: 'device', app_id: app.id, device_id: 'owner' }, 'agent-1');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ message: first.body.message, created: false });
    expect((await send({ kind: 'agent', app_id: other.id }, 'x')).status).toBe(404);
    const bad = await post(INTERNAL_PATHS.sendMessage, { principal: { kind: 'agent', app_id: app.id }, conversation_id: c.id, body: ' ', local_id: 'y' });
    expect(bad.status).toBe(400);
    expect(await h.count('messages')).toBe(2);
  });
});
