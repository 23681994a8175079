import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
let app: CreatedApp;

beforeAll(async () => {
  stack = await startGatewayStack({
    nodes: 1,
    gatewayEnv: { SLOW_CONSUMER_BUFFER_BYTES: '65536', SLOW_CONSUMER_GRACE_MS: '500', EVENT_RATE_PER_SECOND: '0' },
  });
  app = await stack.createApp('slow');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
};

describe('slow consumers', () => {
  it('slow consumer - a socket that stops reading is disconnected and counted; the others get every message', async () => {
    const url = stack.nodes[0]!.url;
    const c = await stack.openConversation(app, 'room');
    const slow = await stack.connected(stack.client(url, app, 'room', { reconnection: false }));
    const healthy = await stack.connected(stack.client(url, app, 'room'));
    await slow.waitFor('conversation:joined');
    await healthy.waitFor('conversation:joined');
    const agent = await stack.connected(stack.admin(url, app));

    // Stop reading on the slow client's TCP socket: the server's buffers fill up behind it.
    const tcp = (slow.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();

    const total = 1500;
    const body = 'x'.repeat(9_000);
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, total - i) }, (_, j) =>
          agent.socket.emitWithAck('message:send', { conversation_id: c.id, body, local_id: `f${i + j}` }),
        ),
      );
    }
    await waitFor(async () => (await metric(url, 'switchboard_gateway_slow_consumer_disconnects_total')) >= 1, { timeoutMs: 10_000 });
    const received = await healthy.waitFor('message:new', total, 20_000);
    expect(new Set(received.map((m) => m.id)).size).toBe(total);

    tcp.resume();
    await waitFor(() => !slow.socket.connected, { timeoutMs: 5000, message: 'slow client notices the disconnect' });
    expect(slow.of('message:new').length).toBeLessThan(total);
    expect(healthy.socket.connected).toBe(true);
  }, 60_000);
});
