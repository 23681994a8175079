import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { expiresIn, mintToken, record, type AdminSocket, type ClientSocket, type IdentityKey } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

/**
 * The messages service's token verification seen through the gateway's handshakes (docs/identity.md): user tokens
 * on `/client`, agent tokens on `/admin`, the app's policy. Expiry and refresh on live sockets are tested elsewhere.
 */
let stack: GatewayStack;
let url: string;
let app: CreatedApp;
let key: IdentityKey;

beforeAll(async () => {
  stack = await startGatewayStack();
  url = stack.nodes[0]!.url;
  app = await stack.createApp('identity');
  key = await stack.addIdentityKey(app);
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

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
    const token = await mintToken(key, 'alice');
    const opened = await stack.rest('POST', '/v1/conversations', { 'X-App-Id': app.id, 'X-Device-Id': 'phone', 'X-Api-Key': app.api_key, 'X-User-Token': token });
    expect(opened.body.user_id).toBe('alice');
    // Recorded before it connects: `conversation:joined` may arrive right behind the handshake.
    const laptop = record(open('/client', { app_id: app.id, device_id: 'laptop', api_key: app.api_key, user_token: token }) as ClientSocket);
    await connect(laptop.socket);
    const [joined] = await laptop.waitFor('conversation:joined');
    expect(joined.conversation_id).toBe(opened.body.id);
    const ack = await laptop.socket.timeout(5000).emitWithAck('message:send', { conversation_id: opened.body.id, body: 'from the laptop', local_id: 'l1' });
    expect(ack).toMatchObject({ success: true, message: { sender: 'user', sender_id: 'alice' } });
    // The anonymous laptop does not get it.
    const anonymous = record(open('/client', { app_id: app.id, device_id: 'laptop', api_key: app.api_key }) as ClientSocket);
    await connect(anonymous.socket);
    await anonymous.waitFor('connected');
    expect(anonymous.of('conversation:joined')).toEqual([]);
    laptop.close();
    anonymous.close();
  });

  it('identity handshake - a refused or expired user token refuses the handshake, never connects anonymously', async () => {
    const forged = `${(await mintToken(key, 'alice')).slice(0, -4)}AAAA`;
    await expect(connect(open('/client', { app_id: app.id, device_id: 'd', api_key: app.api_key, user_token: forged }))).rejects.toThrow('INVALID_CREDENTIALS');
    // The code (TOKEN_EXPIRED per the contract) is the gateway's to pass on (gw-sessions); refused it is, either way.
    const expired = await mintToken(key, 'alice', { claims: expiresIn(-3600) });
    await expect(connect(open('/client', { app_id: app.id, device_id: 'd', api_key: app.api_key, user_token: expired }))).rejects.toThrow();
  });

  it('identity handshake - policy required refuses anonymous /client handshakes; users and /admin still connect', async () => {
    const strict = await stack.createApp('strict');
    const strictKey = await stack.addIdentityKey(strict);
    const patched = await stack.rest('PATCH', `/v1/apps/${strict.id}`, { Authorization: `Bearer ${stack.operatorToken}` }, { identity: 'required' });
    expect(patched.status).toBe(200);
    await expect(connect(open('/client', { app_id: strict.id, device_id: 'd', api_key: strict.api_key }))).rejects.toThrow('INVALID_CREDENTIALS');
    const token = await mintToken(strictKey, 'dana');
    const user = await connect(open('/client', { app_id: strict.id, device_id: 'd', api_key: strict.api_key, user_token: token }));
    user.close();
    const admin = await connect(open('/admin', { app_id: strict.id, admin_token: strict.admin_token }));
    admin.close();
  });

  it("identity handshake - an agent token on /admin: the agent's id and name go into the messages it sends", async () => {
    const c = await stack.openConversation(app, 'helpme');
    const agent = await connect(open('/admin', { app_id: app.id, agent_token: await mintToken(key, 'agent-42', { claims: { role: 'agent', name: 'Grace' } }) }) as AdminSocket);
    const ack = await agent.timeout(5000).emitWithAck('message:send', { conversation_id: c.id, body: 'hello', local_id: 'g1' });
    expect(ack).toMatchObject({ success: true, message: { sender: 'agent', sender_id: 'agent-42', sender_name: 'Grace' } });
    agent.close();
    // A user token is not an agent token.
    await expect(connect(open('/admin', { app_id: app.id, agent_token: await mintToken(key, 'alice') }))).rejects.toThrow('INVALID_CREDENTIALS');
  });
});
