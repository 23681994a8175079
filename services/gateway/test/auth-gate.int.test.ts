import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { expiresIn, mintToken, startTcpBalancer, waitFor, type TcpBalancer } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
let app: CreatedApp;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 0 });
  app = await stack.createApp('auth-gate');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

/** Sum of the samples of `name` whose labels include every given one, from a /metrics text. */
async function scrape(target: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${target}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
const authCalls = async () =>
  (await scrape(stack.messages.url, 'http_request_duration_seconds_count', { route: '/internal/v1/auth/client' })) +
  (await scrape(stack.messages.url, 'http_request_duration_seconds_count', { route: '/internal/v1/auth/admin' }));

/** A handshake's outcome: connected, or the code of its `connect_error`. */
interface Attempt {
  readonly socket: Socket;
  outcome: 'connected' | string | undefined;
  refusedAt?: number;
  retryAfterMs?: unknown;
}
const sockets: Socket[] = [];
afterAll(() => sockets.forEach((socket) => socket.close()));
function attempt(url: string, namespace: '/client' | '/admin', auth: object): Attempt {
  const socket = io(`${url}${namespace}`, { path: SOCKET_PATH, transports: ['websocket'], auth, forceNew: true, reconnection: false });
  sockets.push(socket);
  const result: Attempt = { socket, outcome: undefined };
  socket.on('connect', () => (result.outcome = 'connected'));
  socket.on('connect_error', (error: Error & { data?: { code?: string; retry_after_ms?: unknown } }) => {
    result.outcome = error.data?.code ?? error.message;
    result.refusedAt = Date.now();
    result.retryAfterMs = error.data?.retry_after_ms;
  });
  return result;
}
/** `times` handshakes one after the other on one connection, each retried after its refusal: their outcomes. */
async function retried(url: string, namespace: '/client' | '/admin', auth: object, times: number): Promise<string[]> {
  const socket = io(`${url}${namespace}`, { path: SOCKET_PATH, transports: ['websocket'], auth, forceNew: true, reconnection: false, autoConnect: false });
  sockets.push(socket);
  const outcomes: string[] = [];
  await new Promise<void>((resolve) => {
    socket.on('connect', () => {
      outcomes.push('connected');
      resolve();
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      outcomes.push(error.data?.code ?? error.message);
      if (outcomes.length < times) socket.connect();
      else resolve();
    });
    socket.connect();
  });
  socket.close();
  return outcomes;
}
const settled = (attempts: Attempt[], timeoutMs = 5000) =>
  waitFor(() => attempts.every((a) => a.outcome !== undefined), { timeoutMs, message: 'every handshake answered' });

/** A gateway node that reaches the messages service through a proxy the test can stall. */
async function nodeBehindProxy(env: Record<string, string>): Promise<{ url: string; proxy: TcpBalancer; logs(): string }> {
  const proxy = await startTcpBalancer([stack.messages.port]);
  const node = await stack.startNode({ MESSAGES_URL: proxy.url, ...env });
  return { url: node.url, proxy, logs: () => node.logs() };
}

describe('auth gate', () => {
  it('auth gate - with the messages service stalled, handshakes past AUTH_CONCURRENCY + AUTH_QUEUE_LENGTH are refused UNAVAILABLE at once; the queued ones succeed when it answers again', async () => {
    const { url, proxy } = await nodeBehindProxy({ AUTH_CONCURRENCY: '2', AUTH_QUEUE_LENGTH: '3', MESSAGES_TIMEOUT_MS: '30000' });
    try {
      proxy.hold();
      const started = Date.now();
      const attempts = Array.from({ length: 6 }, (_, i) => attempt(url, '/client', { app_id: app.id, device_id: `stalled-${i}`, api_key: app.api_key }));
      await waitFor(() => attempts.some((a) => a.outcome !== undefined), { timeoutMs: 3000, message: 'the extra handshake refused' });
      const refused = attempts.filter((a) => a.outcome !== undefined);
      expect(refused.map((a) => a.outcome)).toEqual(['UNAVAILABLE']);
      expect(refused[0]!.refusedAt! - started).toBeLessThan(3000);
      // When to come back: after the 5 admitted, at 2 calls per 100 ms (no call timed yet), so 250 ms.
      expect(refused[0]!.retryAfterMs).toBe(250);
      expect(await scrape(url, 'switchboard_gateway_auth_in_flight')).toBe(2);
      expect(await scrape(url, 'switchboard_gateway_auth_queued')).toBe(3);
      expect(await scrape(url, 'switchboard_gateway_handshake_refusals_total', { namespace: '/client', code: 'UNAVAILABLE', reason: 'queue_full' })).toBe(1);
      // Still waiting, not refused: the stall lasts as long as the test wants.
      await sleep(500);
      expect(attempts.filter((a) => a.outcome !== undefined)).toHaveLength(1);

      proxy.release();
      await settled(attempts, 10_000);
      expect(attempts.filter((a) => a.outcome === 'connected')).toHaveLength(5);
      expect(await scrape(url, 'switchboard_gateway_auth_in_flight')).toBe(0);
      expect(await scrape(url, 'switchboard_gateway_auth_queued')).toBe(0);
    } finally {
      proxy.release();
      await proxy.close();
    }
  });

  it('auth gate - a refusal of the same credentials is reused for about 2 s: ten handshakes with one bad key cost one call', async () => {
    const url = (await stack.startNode()).url;
    const bad = { app_id: app.id, device_id: 'negative', api_key: `sk_${randomBytes(16).toString('hex')}` };
    const badAdmin = { app_id: app.id, admin_token: `sba_${randomBytes(16).toString('hex')}` };
    const calls = await authCalls();
    // Retried on one connection each (a refusal frees the namespace), so the ten fit well within the 2 s.
    const started = Date.now();
    const outcomes = await Promise.all([retried(url, '/client', bad, 10), retried(url, '/admin', badAdmin, 10)]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcomes.flat()).toEqual(Array(20).fill('INVALID_CREDENTIALS'));
    expect((await authCalls()) - calls).toBe(2);
    expect(await scrape(url, 'switchboard_gateway_auth_gate_total', { result: 'cached_refusal' })).toBe(18);
    expect(await scrape(url, 'switchboard_gateway_handshake_refusals_total', { namespace: '/client', reason: 'invalid_credentials' })).toBe(10);
    // Good credentials are not affected by another key's refusal.
    const good = attempt(url, '/client', { ...bad, api_key: app.api_key });
    await settled([good]);
    expect(good.outcome).toBe('connected');
    await sleep(2200);
    const again = attempt(url, '/client', bad);
    await settled([again]);
    expect(again.outcome).toBe('INVALID_CREDENTIALS');
    expect((await authCalls()) - calls).toBe(4);
  });

  it('auth gate - no API key, admin token or token reaches the gateway log or the messages service log, whatever the handshake (debug level)', async () => {
    const { url, proxy, logs } = await nodeBehindProxy({ LOG_LEVEL: 'debug', MESSAGES_TIMEOUT_MS: '1000' });
    // Real tokens of a real identity key (valid, expired, forged), and wrong keys and tokens of every kind.
    const key = await stack.addIdentityKey(app);
    /** One set of secrets per round: a round of the same ones would be answered from the gate's memory. */
    const secretsOf = async (round: number) => ({
      wrongKey: `sk_${randomBytes(16).toString('hex')}`,
      wrongAdmin: `sba_${randomBytes(16).toString('hex')}`,
      userToken: await mintToken(key, `alice-${round}`),
      agentToken: await mintToken(key, `agent-${round}`, { claims: { role: 'agent', name: 'Agent' } }),
      expiredToken: await mintToken(key, `bob-${round}`, { claims: expiresIn(-6600) }),
      forgedToken: await mintToken({ ...key, signingKey: randomBytes(32) }, `eve-${round}`),
      goodKey: app.api_key,
      goodAdmin: app.admin_token,
      identitySecret: key.secret!,
    });
    const rounds = [await secretsOf(1), await secretsOf(2)];
    try {
      const handshakes = (secrets: Awaited<ReturnType<typeof secretsOf>>, round: number) => [
        attempt(url, '/client', { app_id: app.id, device_id: `logs-${round}-1`, api_key: secrets.wrongKey }),
        attempt(url, '/client', { app_id: app.id, device_id: `logs-${round}-2`, api_key: secrets.goodKey, user_token: secrets.userToken }),
        attempt(url, '/client', { app_id: app.id, device_id: `logs-${round}-3`, api_key: secrets.goodKey, user_token: secrets.expiredToken }),
        attempt(url, '/client', { app_id: app.id, device_id: `logs-${round}-4`, api_key: secrets.goodKey, user_token: secrets.forgedToken }),
        attempt(url, '/client', { app_id: app.id, device_id: `logs-${round}-5`, api_key: secrets.wrongKey, user_token: secrets.userToken }),
        attempt(url, '/client', { app_id: 'app_unknown', device_id: `logs-${round}-6`, api_key: secrets.goodKey }),
        attempt(url, '/client', { app_id: app.id, api_key: secrets.wrongKey }),
        attempt(url, '/admin', { app_id: app.id, admin_token: secrets.wrongAdmin }),
        attempt(url, '/admin', { app_id: app.id, agent_token: secrets.agentToken }),
        attempt(url, '/admin', { app_id: app.id, agent_token: secrets.forgedToken }),
      ];
      const first = handshakes(rounds[0]!, 1);
      await settled(first);
      expect(first.map((a) => a.outcome)).toEqual([
        'INVALID_CREDENTIALS', 'connected', 'TOKEN_EXPIRED', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS', 'MISSING_PARAMS', 'INVALID_CREDENTIALS', 'connected', 'INVALID_CREDENTIALS',
      ]);
      // The messages service cannot answer: the gateway logs a warning with the error, still without a secret.
      proxy.hold();
      const stalled = handshakes(rounds[1]!, 2);
      await settled(stalled, 5000);
      expect(stalled.map((a) => a.outcome)).toContain('UNAVAILABLE');
      proxy.release();
      await waitFor(() => logs().includes('cannot check client credentials'), { timeoutMs: 3000, message: 'the warning logged' });
      const gatewayLogs = logs();
      // Debug lines were written (the start-up's `dependencies` line at least): the level the test asks for was on.
      expect(gatewayLogs).toContain('"level":"debug"');
      for (const [name, secret] of rounds.flatMap((round) => Object.entries(round))) {
        expect(gatewayLogs.includes(secret), `${name} in the gateway log`).toBe(false);
        expect(stack.messages.logs().includes(secret), `${name} in the messages service log`).toBe(false);
        // Nor a recognisable part of it (a token's signature, a key's random tail).
        expect(gatewayLogs.includes(secret.slice(-20)), `${name}'s tail in the gateway log`).toBe(false);
      }
    } finally {
      proxy.release();
      await proxy.close();
    }
  });
});
