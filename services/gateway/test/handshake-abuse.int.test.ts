import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { io, Manager } from 'socket.io-client';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { sleep, waitFor } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
let app: CreatedApp;
let url: string;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 1 });
  url = stack.nodes[0]!.url;
  app = await stack.createApp('abuse');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

/** A raw Engine.IO connection (Socket.IO's transport without its namespaces), recording what the server sends. */
async function openEngine(target: string) {
  const manager = new Manager(target, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false });
  await new Promise<void>((resolve, reject) => manager.open((error) => (error ? reject(error) : resolve())));
  const engine = (manager as any).engine;
  const raw = { engine, answers: [] as string[], closed: false };
  engine.on('message', (data: string) => raw.answers.push(data));
  engine.on('close', () => (raw.closed = true));
  return raw;
}

const randomConnect = () =>
  `0/client,${JSON.stringify({ app_id: `app_${randomBytes(8).toString('hex')}`, device_id: 'flood', api_key: `sk_${randomBytes(16).toString('hex')}` })}`;

/** Sum of the samples of `name` whose labels include every given one, from a /metrics text. */
async function scrape(target: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${target}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
/** Auth calls the messages service answered (both namespaces'). */
const authCalls = async () =>
  (await scrape(stack.messages.url, 'http_request_duration_seconds_count', { route: '/internal/v1/auth/client' })) +
  (await scrape(stack.messages.url, 'http_request_duration_seconds_count', { route: '/internal/v1/auth/admin' }));
const floodRefusals = () => scrape(url, 'switchboard_gateway_handshake_refusals_total', { namespace: 'engine', reason: 'flood' });

describe('handshake abuse', () => {
  it('handshake - 200 CONNECTs with random app ids on one WebSocket: the connection is closed, at most 1 session, the messages service asked at most once', async () => {
    const calls = await authCalls();
    const refusals = await floodRefusals();
    const raw = await openEngine(url);
    // The first CONNECT has good credentials: it is the one that may become a session.
    raw.engine.write(`0/client,${JSON.stringify({ app_id: app.id, device_id: 'flood', api_key: app.api_key })}`);
    for (let i = 1; i < 200; i++) raw.engine.write(randomConnect());
    await waitFor(() => raw.closed, { timeoutMs: 5000, message: 'connection closed' });
    await sleep(300);
    expect(raw.answers.filter((answer) => answer.startsWith('0/client')).length).toBeLessThanOrEqual(1);
    expect(raw.answers.length).toBeLessThanOrEqual(1);
    expect((await authCalls()) - calls).toBeLessThanOrEqual(1);
    expect((await floodRefusals()) - refusals).toBe(1);
  });

  it('handshake - a second CONNECT to a namespace already joined closes the connection; after a refusal, one may retry', async () => {
    const raw = await openEngine(url);
    raw.engine.write(`0/admin,${JSON.stringify({ app_id: app.id, admin_token: 'sba_wrong_wrong_wrong_wrong' })}`);
    await waitFor(() => raw.answers.some((a) => a.startsWith('4/admin')), { timeoutMs: 5000, message: 'refused' });
    raw.engine.write(`0/admin,${JSON.stringify({ app_id: app.id, admin_token: app.admin_token })}`);
    await waitFor(() => raw.answers.some((a) => a.startsWith('0/admin')), { timeoutMs: 5000, message: 'joined after a refusal' });
    expect(raw.closed).toBe(false);
    raw.engine.write(`0/admin,${JSON.stringify({ app_id: app.id, admin_token: app.admin_token })}`);
    await waitFor(() => raw.closed, { timeoutMs: 5000, message: 'closed on the second CONNECT' });
  });

  it('handshake - while WebSockets flood CONNECTs with random app ids, other clients connect, and each flooding connection has one auth call at a time', async () => {
    const calls = await authCalls();
    let flooding = true;
    let floods = 0;
    // A refusal frees the namespace (a client may retry), so a connection whose frames trickle in may be asked
    // again after each answer: one call per answer it got, plus the one in flight when it was closed.
    let answered = 0;
    const floodOnce = async () => {
      const raw = await openEngine(url);
      for (let i = 0; i < 200 && !raw.closed; i++) raw.engine.write(randomConnect());
      await waitFor(() => raw.closed, { timeoutMs: 5000, message: 'flooding connection closed' });
      answered += raw.answers.length;
      floods++;
    };
    const flood = (async () => {
      while (flooding) await Promise.all(Array.from({ length: 8 }, floodOnce));
    })();
    try {
      await waitFor(() => floods >= 16, { timeoutMs: 10_000, message: 'the flood runs' });
      const atStart = floods;
      const good = Array.from({ length: 10 }, (_, i) => stack.client(url, app, `good-${i}`, { reconnection: false }));
      await Promise.all(good.map((r) => r.waitFor('connected', 1, 3000)));
      const connectedAt = floods;
      await waitFor(() => floods > connectedAt, { timeoutMs: 5000, message: 'the flood still runs' });
      expect(atStart).toBeGreaterThan(0);
      for (const r of good) expect(r.socket.connected).toBe(true);
      for (const r of good) r.close();
    } finally {
      flooding = false;
      await flood;
    }
    await sleep(300);
    expect((await authCalls()) - calls).toBeLessThanOrEqual(answered + floods + 10);
    expect(answered).toBeLessThan(floods * 10);
  });

  it('handshake - refusals are counted by reason: the main namespace (not_found), missing params, bad credentials', async () => {
    const count = (namespace: string, reason: string) => scrape(url, 'switchboard_gateway_handshake_refusals_total', { namespace, reason });
    const before = [await count('/', 'not_found'), await count('/client', 'missing_params'), await count('/admin', 'invalid_credentials')];
    const refusal = (target: string, auth: object) =>
      new Promise<string>((resolve) => {
        const socket = io(target, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, auth });
        socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
          socket.close();
          resolve(error.data?.code ?? error.message);
        });
      });
    expect(await refusal(`${url}/`, {})).toBe('NOT_FOUND');
    expect(await refusal(`${url}/client`, { app_id: app.id })).toBe('MISSING_PARAMS');
    expect(await refusal(`${url}/admin`, { app_id: app.id, admin_token: `sba_${randomBytes(12).toString('hex')}` })).toBe('INVALID_CREDENTIALS');
    const after = [await count('/', 'not_found'), await count('/client', 'missing_params'), await count('/admin', 'invalid_credentials')];
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1]);
  });

  it('handshake - a client that connects both namespaces and retries a refused handshake is not taken for a flood', async () => {
    const manager = new Manager(url, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true });
    const refused = manager.socket('/client', { auth: { app_id: app.id, device_id: 'retry', api_key: 'sk_wrong_wrong_wrong_wrong' } });
    let errors = 0;
    refused.on('connect_error', () => {
      errors++;
      if (errors < 8) refused.connect();
    });
    refused.connect();
    const agent = manager.socket('/admin', { auth: { app_id: app.id, admin_token: app.admin_token } });
    agent.connect();
    await waitFor(() => errors >= 8 && agent.connected, { timeoutMs: 10_000, message: 'eight refusals on one connection' });
    await sleep(200);
    expect(agent.connected).toBe(true);
    agent.close();
    refused.close();
  });
});
