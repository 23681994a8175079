import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { IDENTITY, SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { expiresIn, mintToken, nowSeconds as now, record, waitFor, type IdentityKey } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack, type Recorded } from './harness.js';

/**
 * Live sockets end with their authentication, end to end (messages service with identity keys and rotation, two
 * gateway nodes): a user socket expires at its token's `exp` + leeway with `error TOKEN_EXPIRED`; a socket that
 * refreshes in band survives past its first `exp`; rotating an admin token with grace 0 disconnects its live
 * `/admin` sockets on both nodes within 10 s; deleting an identity key ends the sockets its tokens opened.
 */
let stack: GatewayStack;
let a: string;
let b: string;
const operator = () => ({ Authorization: `Bearer ${stack.operatorToken}` });


interface IdentityApp {
  readonly app: CreatedApp;
  readonly key: IdentityKey;
}
const identityApp = async (name: string): Promise<IdentityApp> => {
  const app = await stack.createApp(name);
  return { app, key: await stack.addIdentityKey(app) };
};
/** A user token whose `exp` is `expIn` seconds from now (negative: already past, maybe within the leeway). */
const userToken = ({ key }: IdentityApp, sub: string, expIn: number) => mintToken(key, sub, { claims: expiresIn(expIn) });

const sockets: Socket[] = [];
const userSocket = (url: string, { app }: IdentityApp, device: string, token: string) => {
  const socket = io(`${url}/client`, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { app_id: app.id, device_id: device, api_key: app.api_key, user_token: token },
  });
  sockets.push(socket);
  return record(socket);
};
const agentSocket = (url: string, { app }: IdentityApp, token: string) => {
  const socket = io(`${url}/admin`, { path: SOCKET_PATH, transports: ['websocket'], forceNew: true, reconnection: false, auth: { app_id: app.id, agent_token: token } });
  sockets.push(socket);
  return record(socket);
};
const ended = (r: Recorded<Socket>, timeoutMs: number) =>
  waitFor(() => (r.socket.disconnected ? r.of('error') : undefined), { timeoutMs, message: 'socket disconnected' });
const alive = async (r: Recorded<Socket>) => {
  expect(r.socket.connected).toBe(true);
  expect(await r.socket.timeout(3000).emitWithAck('ping')).toBe('pong');
};

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2 });
  [a, b] = stack.nodes.map((n) => n.url) as [string, string];
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.[Symbol.asyncDispose]();
});

describe('token expiry on live sockets', () => {
  it('expiry - a user socket gets error TOKEN_EXPIRED and is disconnected within 5 s after exp + leeway', async () => {
    const ia = await identityApp('expiry');
    // exp 28 s ago: still within the 30 s leeway, so the socket connects and must end ~2 s from now.
    const token = await userToken(ia, 'alice', -(IDENTITY.leewaySeconds - 2));
    const exp = now() - (IDENTITY.leewaySeconds - 2);
    const socket = userSocket(b, ia, 'phone', token);
    await socket.waitFor('connected');
    const errors = await ended(socket as unknown as Recorded<Socket>, 10_000);
    expect(errors).toEqual([{ code: 'TOKEN_EXPIRED', message: expect.any(String) }]);
    const endedAt = Date.now() / 1000;
    expect(endedAt).toBeGreaterThanOrEqual(exp + IDENTITY.leewaySeconds - 1);
    expect(endedAt).toBeLessThan(exp + IDENTITY.leewaySeconds + 5);
  });

  it('refresh - a socket refreshing in band survives past its first exp; refusals change nothing', async () => {
    const ia = await identityApp('refresh');
    const first = await userToken(ia, 'bob', -(IDENTITY.leewaySeconds - 3));
    const firstDeadline = now() + 3;
    const socket = userSocket(a, ia, 'laptop', first);
    await socket.waitFor('connected');
    const ask = (token: string) => socket.socket.timeout(5000).emitWithAck('auth:refresh', { token });

    // Another user's token: FORBIDDEN; an expired one: TOKEN_EXPIRED; an earlier exp: VALIDATION_FAILED.
    expect((await ask(await userToken(ia, 'mallory', 600))).error.code).toBe('FORBIDDEN');
    expect((await ask(await userToken(ia, 'bob', -(IDENTITY.leewaySeconds + 60)))).error.code).toBe('TOKEN_EXPIRED');
    expect((await ask(await userToken(ia, 'bob', -(IDENTITY.leewaySeconds - 1)))).error.code).toBe('VALIDATION_FAILED');
    expect((await ask('not.a.token')).error.code).toBe('INVALID_CREDENTIALS');

    const exp = now() + 600;
    const refreshed = await ask(await mintToken(ia.key, 'bob', { claims: { iat: now(), exp } }));
    expect(refreshed).toEqual({ success: true, expires_at: new Date(exp * 1000).toISOString() });
    await sleep((firstDeadline - now() + 3) * 1000);
    await alive(socket as unknown as Recorded<Socket>);
    expect(socket.of('error')).toEqual([]);
  });

  it('expiry - an /admin socket opened with an agent token refreshes in band, then expires with TOKEN_EXPIRED', async () => {
    const ia = await identityApp('agents');
    const agentToken = (expIn: number) => mintToken(ia.key, 'agent-7', { claims: { role: 'agent', name: 'Ann', ...expiresIn(expIn) } });
    const agent = agentSocket(a, ia, await agentToken(-(IDENTITY.leewaySeconds - 2)));
    await agent.waitFor('connected');
    // Refreshed to a token that is itself within the leeway: it lives ~2 s more than the first, then ends.
    const exp = now() - (IDENTITY.leewaySeconds - 4);
    const refreshed = await agent.socket.timeout(5000).emitWithAck('auth:refresh', {
      token: await mintToken(ia.key, 'agent-7', { claims: { role: 'agent', iat: exp - 60, exp } }),
    });
    expect(refreshed).toEqual({ success: true, expires_at: new Date(exp * 1000).toISOString() });
    const errors = await ended(agent as unknown as Recorded<Socket>, 12_000);
    expect(errors).toEqual([{ code: 'TOKEN_EXPIRED', message: expect.any(String) }]);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp + IDENTITY.leewaySeconds - 1);
    expect(Date.now() / 1000).toBeLessThan(exp + IDENTITY.leewaySeconds + 5);
  });
});

describe('rotation reaching live sockets', () => {
  it('rotation - an admin token rotated with grace 0 disconnects its /admin sockets on both nodes within 10 s', async () => {
    const app = await stack.createApp('rotate');
    const agentA = await stack.connected(stack.admin(a, app));
    const agentB = await stack.connected(stack.admin(b, app));
    const device = await stack.connected(stack.client(b, app, 'phone'));

    const started = Date.now();
    const rotated = await stack.rest('POST', `/v1/apps/${app.id}/credentials/rotate`, operator(), { which: 'admin_token', grace_seconds: 0 });
    expect(rotated.status).toBe(201);
    for (const agent of [agentA, agentB]) {
      const errors = await ended(agent as unknown as Recorded<Socket>, 10_000);
      expect(errors).toEqual([{ code: 'INVALID_CREDENTIALS', message: expect.any(String) }]);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    await alive(device as unknown as Recorded<Socket>);

    // The new token connects (no cached answer of the old one lingers), the old one is refused.
    const fresh = await stack.connected(stack.admin(a, { ...app, admin_token: rotated.body.admin_token }));
    await alive(fresh as unknown as Recorded<Socket>);
    const stale = stack.admin(b, app);
    const refusal = await new Promise<Error>((resolve) => stale.socket.once('connect_error', resolve));
    expect(refusal.message).toBe('INVALID_CREDENTIALS');
    stale.close();
  });

  it('rotation - deleting an identity key ends the sockets whose token it signed, on both nodes; others stay', async () => {
    const ia = await identityApp('delete-key');
    const kept = await stack.addIdentityKey(ia.app);
    const signedA = userSocket(a, ia, 'phone', await userToken(ia, 'carol', 600));
    const signedB = userSocket(b, ia, 'tablet', await userToken(ia, 'carol', 600));
    const otherKey = userSocket(b, { ...ia, key: kept }, 'laptop', await userToken({ ...ia, key: kept }, 'carol', 600));
    const anonymous = await stack.connected(stack.client(a, ia.app, 'kiosk'));
    for (const r of [signedA, signedB, otherKey]) await r.waitFor('connected');

    const started = Date.now();
    expect((await stack.rest('DELETE', `/v1/apps/${ia.app.id}/identity-keys/${ia.key.kid}`, operator())).status).toBe(204);
    for (const r of [signedA, signedB]) {
      expect(await ended(r as unknown as Recorded<Socket>, 10_000)).toEqual([{ code: 'INVALID_CREDENTIALS', message: expect.any(String) }]);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const r of [otherKey, anonymous]) await alive(r as unknown as Recorded<Socket>);
  });
});
