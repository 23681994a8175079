import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manager } from 'socket.io-client';
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

describe('handshake abuse', () => {
  it('handshake - an Engine.IO connection sending hundreds of namespace CONNECTs at once is closed after a few', async () => {
    const manager = new Manager(url, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false });
    const answers: string[] = [];
    let closed = false;
    await new Promise<void>((resolve, reject) => manager.open((error) => (error ? reject(error) : resolve())));
    const engine = (manager as any).engine;
    engine.on('message', (data: string) => answers.push(data));
    engine.on('close', () => (closed = true));
    // Wrong credentials: each would be refused after an auth call to the messages service, and the connection kept.
    const connect = `0/client,${JSON.stringify({ app_id: app.id, device_id: 'flood', api_key: 'sk_wrong_wrong_wrong_wrong' })}`;
    for (let i = 0; i < 500; i++) engine.write(connect);
    await waitFor(() => closed, { timeoutMs: 5000, message: 'connection closed' });
    expect(answers.length).toBeLessThanOrEqual(5);
    engine.close();
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
