import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { startRedisServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

describe('redis outage', () => {
  let redis: ServerProcess;
  let stack: GatewayStack;
  let app: CreatedApp;
  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startGatewayStack({ nodes: 1, redis: redis.url });
    app = await stack.createApp('redis-outage');
  });
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  it('redis outage - unready while Redis is down; after a restart that lost everything, sessions are registered again and fan-out resumes', async () => {
    const url = stack.nodes[0]!.url;
    const c = await stack.openConversation(app, 'survivor');
    const device = await stack.connected(stack.client(url, app, 'survivor'));
    await device.waitFor('conversation:joined');
    const agent = await stack.connected(stack.admin(url, app));
    expect(((await agent.socket.emitWithAck('sessions:list', { app_id: app.id })) as any).sessions).toHaveLength(1);

    await redis.kill();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503, { timeoutMs: 10_000, message: 'unready' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // Redis comes back empty (it persists nothing): the node notices at its next heartbeat and re-registers.
    await redis.start();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 15_000, message: 'ready again' });
    await waitFor(
      async () => ((await agent.socket.emitWithAck('sessions:list', { app_id: app.id })) as any).sessions?.length === 1,
      // Polled gently: the agent's events are rate-limited like anyone's.
      { timeoutMs: 15_000, intervalMs: 250, message: 'session registered again' },
    );
    const sent = await agent.socket.emitWithAck('message:send', { conversation_id: c.id, body: 'after the outage', local_id: 'after' });
    expect(sent).toMatchObject({ success: true });
    await waitFor(() => device.of('message:new').some((m) => m.body === 'after the outage'), { timeoutMs: 15_000, message: 'fan-out resumed' });
  }, 60_000);
});
