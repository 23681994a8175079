import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { startTcpBalancer, waitFor, type TcpBalancer } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack } from './harness.js';

const DRAIN_WINDOW_MS = 4000;
let stack: GatewayStack;
let balancer: TcpBalancer;
let app: CreatedApp;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2, gatewayEnv: { DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS), LOG_LEVEL: 'info' } });
  balancer = await startTcpBalancer(stack.nodes.map((n) => n.port));
  app = await stack.createApp('drain');
});
afterAll(async () => {
  await balancer?.close();
  await stack?.[Symbol.asyncDispose]();
});

describe('drain on SIGTERM', () => {
  it('drain - server:shutdown with a random delay, readiness 503, clients reconnect elsewhere and catch up; exit within the window', async () => {
    const conversation = await stack.openConversation(app, 'commuter');
    const headers = { 'X-App-Id': app.id, 'X-Device-Id': 'commuter', 'X-Api-Key': app.api_key };

    // Six tabs of one device through the balancer (three per node), each catching up with `after=` on reconnect,
    // as the SDK does. Connection state recovery alone can miss a packet sent around the close (seen: a tab got
    // seq 24, was disconnected, then got 26 onwards on the survivor), and the contract's clients fill such gaps
    // with `after=`. (Before, the handler skipped the first reconnection, so no tab ever caught up.)
    const tabs = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const tab = await stack.connected(stack.client(balancer.url, app, 'commuter'));
        const seen = new Map<string, Message>();
        tab.socket.on('message:new', (m) => seen.set(m.id, m));
        tab.socket.on('disconnect', () => tab.events.push({ name: 'disconnect', payload: undefined }));
        // Attached once connected, so every `connect` from here on is a reconnection (recovered or not).
        tab.socket.on('connect', async () => {
          const last = [...seen.values()].sort((x, y) => y.seq - x.seq)[0];
          const page = await stack.rest('GET', `/v1/conversations/${conversation.id}/messages?limit=200${last ? `&after=${last.id}` : ''}`, headers);
          for (const m of page.body.data as Message[]) seen.set(m.id, m);
        });
        return { tab, seen };
      }),
    );
    await Promise.all(tabs.map(({ tab }) => tab.waitFor('conversation:joined')));
    const [drained, survivor] = stack.nodes as [typeof stack.nodes[0], typeof stack.nodes[0]];

    // Messages keep coming while the node drains.
    const sent: string[] = [];
    let sending = true;
    const writer = (async () => {
      for (let i = 0; sending; i++) {
        const response = await stack.rest('POST', `/v1/conversations/${conversation.id}/messages`, headers, { body: `m${i}`, local_id: `m${i}` });
        expect(response.status).toBe(201);
        sent.push(response.body.id);
        await sleep(40);
      }
    })();
    await sleep(300);

    const signalledAt = Date.now();
    drained.signal('SIGTERM');
    await waitFor(async () => (await fetch(`${drained.url}/readyz`).then((r) => r.status, () => 0)) === 503, { timeoutMs: 1000, intervalMs: 10 });
    expect((await fetch(`${survivor.url}/readyz`)).status).toBe(200);

    const code = await drained.exited;
    const exitedAfter = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(exitedAfter).toBeLessThan(DRAIN_WINDOW_MS);

    await sleep(500);
    sending = false;
    await writer;

    const told = tabs.filter(({ tab }) => tab.of('server:shutdown').length > 0);
    expect(told.length).toBeGreaterThanOrEqual(1);
    const delays = told.map(({ tab }) => tab.of('server:shutdown')[0].reconnect_delay_ms);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(250);
    if (delays.length > 1) expect(new Set(delays).size).toBeGreaterThan(1);
    expect(told[0]!.tab.of('server:shutdown')[0].message).toEqual(expect.any(String));
    // The notice comes before the connection closes (not held back until the client is back).
    for (const { tab } of told) {
      const names = tab.events.map((e) => e.name);
      expect(names.indexOf('server:shutdown')).toBeLessThan(names.indexOf('disconnect'));
    }

    // Everyone is connected again (through the balancer, so to the survivor) and has every message: none lost.
    await waitFor(() => tabs.every(({ tab }) => tab.socket.connected), { timeoutMs: 5000 });
    await waitFor(() => tabs.every(({ seen }) => sent.every((id) => seen.has(id))), { timeoutMs: 5000, message: 'every tab has every message' });
    expect(sent.length).toBeGreaterThan(10);
    expect(drained.logs()).toContain('"msg":"drained"');
    // Closing its own connections is no loss: no "lost nats" / "lost redis" / "lost messages" line on the way out.
    expect(drained.logs()).toContain('"msg":"bye"');
    expect(drained.logs()).not.toMatch(/"msg":"lost (nats|redis|messages)/);
  }, 30_000);
});
