import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '@switchboard/service-kit';
import { startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
beforeAll(async () => {
  h = await startMessagesHarness();
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

/** A raw TCP connection to the service that records what it receives and when it is closed. */
async function connect() {
  const url = new URL(h.url);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  socket.on('error', () => {});
  return { socket, closed, received: () => received };
}

const get = 'GET /healthz HTTP/1.1\r\nHost: messages\r\nConnection: keep-alive\r\n\r\n';
const responses = (text: string) => text.match(/HTTP\/1\.1 \d{3} /g) ?? [];

describe('HTTP timeouts', () => {
  it('a half-open request head is answered 408 and closed within the header timeout, and an idle keep-alive connection outlives it', async () => {
    // Node's defaults (60 s for the head, checked every 30 s) would hold the first connection past this test's bound.
    const bound = HTTP_TIMEOUTS.headersMs + 3 * HTTP_TIMEOUTS.checkIntervalMs;
    const halfOpen = await connect();
    halfOpen.socket.write('GET /healthz HTTP/1.1\r\nHost: messa');
    const keepAlive = await connect();
    keepAlive.socket.write(get);

    const cutAfter = await Promise.race([halfOpen.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), bound))]);
    expect(cutAfter).toBeGreaterThanOrEqual(HTTP_TIMEOUTS.headersMs - 100);
    expect(cutAfter).toBeLessThan(bound);
    expect(halfOpen.received()).toMatch(/^HTTP\/1\.1 408/);

    // The complete client has been idle past the header timeout and is still served on the same connection.
    expect(responses(keepAlive.received())).toHaveLength(1);
    expect(keepAlive.socket.destroyed).toBe(false);
    keepAlive.socket.write(get);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(responses(keepAlive.received())).toHaveLength(2);
    keepAlive.socket.destroy();
  }, 30_000);
});
