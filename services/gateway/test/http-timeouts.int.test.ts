import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PATH } from '@switchboard/protocol';
import { startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 1 });
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

/** Opens a raw TCP connection, sends `head` and resolves with how long the gateway kept it open (ms). */
const heldFor = (url: string, head: string) =>
  new Promise<number>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    const opened = Date.now();
    socket.on('connect', () => socket.write(head));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Date.now() - opened));
  });

describe('HTTP idle timeout (uWS, not configurable)', () => {
  it('half-open requests to /healthz and the polling endpoint are closed after about 10 s', async () => {
    const url = stack.nodes[0]!.url;
    const held = await Promise.all([
      heldFor(url, 'GET /healthz HTTP/1.1\r\nHost: gate'),
      heldFor(url, `GET ${SOCKET_PATH}/?EIO=4&transport=polling HTTP/1.1\r\nHost: gate`),
      heldFor(url, ''),
    ]);
    for (const ms of held) {
      expect(ms).toBeGreaterThanOrEqual(9_000);
      expect(ms).toBeLessThan(16_000);
    }
  }, 30_000);
});
