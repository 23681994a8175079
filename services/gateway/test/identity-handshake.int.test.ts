import { createHmac } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { record, type AdminSocket, type ClientSocket } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

/**
 * The messages service's token verification seen through the gateway's handshakes (docs/identity.md): user tokens
 * on `/client`, agent tokens on `/admin`, the app's policy. Expiry and refresh on live sockets are tested elsewhere.
 */
let stack: GatewayStack;
let url: string;
let app: CreatedApp;
let key: { kid: string; secret: string };

beforeAll(async () => {
  stack = await startGatewayStack();
  url = stack.nodes[0]!.url;
  app = await stack.createApp('identity');
  const created = await stack.rest('POST', `/v1/apps/${app.id}/identity-keys`, { Authorization: `Bearer ${stack.operatorToken}` }, { alg: 'HS256' });
  key = created.body;
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

/** An HS256 token as an app's backend signs it (any JWT library does the same). */
function mint(appId: string, sub: string, claims: Record<string, unknown> = {}, signer = key): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', kid: signer.kid })}.${part({ sub, aud: appId, iat: now, exp: now + 600, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', signer.secret).update(unsigned).digest('base64url')}`;
}

const open = (namespace: '/client' | '/admin', auth: object) =>
  io(`${url}${namespace}`, { path: SOCKET_PATH, transports: ['websocket'], auth, reconnection: false, forceNew: true });

/** Connects, or rejects with the `connect_error`'s code. */
function connect<S extends Socket>(socket: S): Promise<S> {
  const untyped = socket as Socket;
  return new Promise((resolve, reject) => {
    untyped.on('connect', () => resolve(socket));
    untyped.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      untyped.close();
      reject(new Error(error.data?.code ?? error.message));
    });
  });
}

describe('identity through the gateway', () => {
  it("identity handshake - a user token on /client: the user's latest conversation, opened on another device, is auto-joined", async () => {
    const token = mint(app.id, 'alice');
    const opened = await stack.rest('POST', '/v1/conversations', { 'X-App-Id': app.id, 'X-Device-Id': 'phone', 'X-Api-Key': app.api_key, 'X-User-Token': token });
    expect(opened.body.user_id).toBe('alice');
    const laptop = record(await connect(open('/client', { app_id: app.id, device_id: 'laptop', api_key: app.api_key, user_token: token }) as ClientSocket));
    const [joined] = await laptop.waitFor('conversation:joined');
    expect(joined.conversation_id).toBe(opened.body.id);
    const ack = await laptop.socket.timeout(5000).emitWithAck('message:send', { conversation_id: opened.body.id, body: 'from the laptop', local_id: 'l1' });
    expect(ack).toMatchObject({ success: true, message: { sender: 'user', sender_id: 'alice' } });
    // The anonymous laptop does not get it.
    const anonymous = record(await connect(open('/client', { app_id: app.id, device_id: 'laptop', api_key: app.api_key }) as ClientSocket));
    await anonymous.waitFor('connected');
    expect(anonymous.of('conversation:joined')).toEqual([]);
    laptop.close();
    anonymous.close();
  });

  it('identity handshake - a refused or expired user token refuses the handshake, never connects anonymously', async () => {
    const forged = `${mint(app.id, 'alice').slice(0, -4)}AAAA`;
    await expect(connect(open('/client', { app_id: app.id, device_id: 'd', api_key: app.api_key, user_token: forged }))).rejects.toThrow('INVALID_CREDENTIALS');
    // The code (TOKEN_EXPIRED per the contract) is the gateway's to pass on (gw-sessions); refused it is, either way.
    const expired = mint(app.id, 'alice', { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
    await expect(connect(open('/client', { app_id: app.id, device_id: 'd', api_key: app.api_key, user_token: expired }))).rejects.toThrow();
  });

  it('identity handshake - policy required refuses anonymous /client handshakes; users and /admin still connect', async () => {
    const strict = await stack.createApp('strict');
    const created = await stack.rest('POST', `/v1/apps/${strict.id}/identity-keys`, { Authorization: `Bearer ${stack.operatorToken}` }, { alg: 'HS256' });
    const patched = await stack.rest('PATCH', `/v1/apps/${strict.id}`, { Authorization: `Bearer ${stack.operatorToken}` }, { identity: 'required' });
    expect(patched.status).toBe(200);
    await expect(connect(open('/client', { app_id: strict.id, device_id: 'd', api_key: strict.api_key }))).rejects.toThrow('INVALID_CREDENTIALS');
    const token = mint(strict.id, 'dana', {}, created.body);
    const user = await connect(open('/client', { app_id: strict.id, device_id: 'd', api_key: strict.api_key, user_token: token }));
    user.close();
    const admin = await connect(open('/admin', { app_id: strict.id, admin_token: strict.admin_token }));
    admin.close();
  });

  it("identity handshake - an agent token on /admin: the agent's id and name go into the messages it sends", async () => {
    const c = await stack.openConversation(app, 'helpme');
    const agent = await connect(open('/admin', { app_id: app.id, agent_token: mint(app.id, 'agent-42', { role: 'agent', name: 'Grace' }) }) as AdminSocket);
    const ack = await agent.timeout(5000).emitWithAck('message:send', { conversation_id: c.id, body: 'hello', local_id: 'g1' });
    expect(ack).toMatchObject({ success: true, message: { sender: 'agent', sender_id: 'agent-42', sender_name: 'Grace' } });
    agent.close();
    // A user token is not an agent token.
    await expect(connect(open('/admin', { app_id: app.id, agent_token: mint(app.id, 'alice') }))).rejects.toThrow('INVALID_CREDENTIALS');
  });
});
