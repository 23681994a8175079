import { afterAll, beforeAll, describe, it } from 'vitest';
import { startStack, startTcpBalancer, waitFor, type Stack, type TcpBalancer } from '@switchboard/testing';
import { chatFlow } from './chat-flow.js';

/** The real stack: Postgres, Redis, NATS JetStream, the messages service and two gateway nodes behind balancers. */
describe('e2e: two gateway nodes on real servers', () => {
  let stack: Stack;
  let deviceIngress: TcpBalancer;
  let agentIngress: TcpBalancer;

  beforeAll(async () => {
    stack = await startStack({ nodes: 2, gatewayEnv: { DRAIN_WINDOW_MS: '3000' } });
    deviceIngress = await startTcpBalancer(stack.nodes.map((n) => n.port));
    agentIngress = await startTcpBalancer(stack.nodes.map((n) => n.port));
  });
  afterAll(async () => {
    await deviceIngress?.close();
    await agentIngress?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  it('cluster - the whole chat flow, with the device\'s gateway drained by SIGTERM', async () => {
    const app = await stack.createApp('e2e');
    await chatFlow({
      app,
      deviceIngress,
      agentIngress,
      apiUrl: stack.messages.url,
      async terminateGatewayOf(connectionId, agent) {
        const session = (await agent.sessions()).find((s) => s.connection_id === connectionId);
        if (!session) throw new Error(`no session ${connectionId}`);
        const node = stack.nodes[Number(session.node_id.replace('node-', '')) - 1]!;
        node.signal('SIGTERM');
        await node.exited;
        await waitFor(() => agent.connected, { timeoutMs: 10_000, message: 'agent connected' });
      },
    });
  }, 90_000);
});
