import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { startTcpBalancer, waitFor, type TcpBalancer } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
let app: CreatedApp;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2 });
  app = await stack.createApp('recovery');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

/**
 * A balancer in front of the nodes at `ports` (round robin): the socket goes through it, so `block()` drops its TCP
 * connection without a close handshake, which leaves the session recoverable. With two ports the reconnect lands on
 * the other node.
 */
const balancerFor = async (...nodes: number[]) =>
  Object.assign(await startTcpBalancer(nodes.map((i) => stack.nodes[i]!.port)), { backends: nodes.length });

async function dropAndRecover(balancer: TcpBalancer & { backends: number }, socket: { connected: boolean; recovered: boolean }) {
  balancer.block();
  await waitFor(() => !socket.connected, { message: 'transport dropped' });
  balancer.unblock();
  await waitFor(() => socket.connected, { timeoutMs: 10_000, message: 'reconnected' });
  expect(socket.recovered).toBe(true);
  // Through a two-node balancer the second connection went to the other node.
  expect(balancer.accepted.size).toBe(balancer.backends);
}

describe.each([
  ['on the same node', [0], 1],
  ['onto the other node', [0, 1], 0],
])('connection state recovery %s', (_label, balanced, direct) => {
  it('recovery - a recovered /client socket hears message:new in every conversation it had joined', async () => {
    await using balancer = await balancerFor(...balanced);
    const device = `dev-${balanced.length}`;
    const first = await stack.openConversation(app, device);
    const second = await stack.openConversation(app, device); // the latest: auto-joined
    const client = await stack.connected(stack.client(balancer.url, app, device));
    await client.waitFor('conversation:joined');
    expect(await client.socket.emitWithAck('conversation:join', { conversation_id: first.id })).toMatchObject({ success: true });
    const agent = await stack.connected(stack.admin(stack.nodes[direct]!.url, app));
    const send = async (conversationId: string, body: string) =>
      expect(await agent.socket.emitWithAck('message:send', { conversation_id: conversationId, body, local_id: body })).toMatchObject({ success: true });
    const heard = (body: string) => client.of('message:new').some((m) => m.body === body);

    await send(first.id, 'before-1');
    await send(second.id, 'before-2');
    await waitFor(() => heard('before-1') && heard('before-2'), { timeoutMs: 10_000, message: 'both before the drop' });

    await dropAndRecover(balancer, client.socket);
    await client.waitFor('connected', 2);
    await send(first.id, 'after-1');
    await send(second.id, 'after-2');
    await waitFor(() => heard('after-1') && heard('after-2'), { timeoutMs: 10_000 }).catch(() => undefined);
    expect(client.of('message:new').map((m) => m.body)).toEqual(expect.arrayContaining(['after-1', 'after-2']));
  }, 40_000);

  it('recovery - a recovered /admin socket keeps hearing user:typing in a conversation it had joined', async () => {
    await using balancer = await balancerFor(...balanced);
    const device = `typist-${balanced.length}`;
    const conversation = await stack.openConversation(app, device);
    const client = await stack.connected(stack.client(stack.nodes[direct]!.url, app, device));
    await client.waitFor('conversation:joined');
    const agent = await stack.connected(stack.admin(balancer.url, app));
    expect(await agent.socket.emitWithAck('conversation:join', { conversation_id: conversation.id })).toMatchObject({ success: true });
    const typing = async (count: number) => {
      // Typing is throttled to one relayed change a second per connection: start/stop until `count` arrived.
      await waitFor(
        async () => {
          await client.socket.emitWithAck('typing:start', { conversation_id: conversation.id });
          await client.socket.emitWithAck('typing:stop', { conversation_id: conversation.id });
          return agent.of('user:typing').filter((t) => t.is_typing).length >= count;
        },
        { timeoutMs: 10_000, intervalMs: 1100, message: `${count} × user:typing` },
      );
    };

    await typing(1);
    await dropAndRecover(balancer, agent.socket);
    await agent.waitFor('connected', 2);
    await typing(2);
  }, 40_000);
});

describe('connection state recovery ownership', () => {
  it("recovery - a session is not recovered for another device's credentials (its rooms stay with their owner)", async () => {
    await using balancer = await balancerFor(0);
    const owner = 'owner-device';
    await stack.openConversation(app, owner); // auto-joined: the session has a room
    const victim = await stack.connected(stack.client(balancer.url, app, owner));
    await victim.waitFor('conversation:joined');
    const { _pid: pid, _lastOffset: offset } = victim.socket as unknown as { _pid: string; _lastOffset: string };
    expect(pid).toEqual(expect.any(String));
    balancer.block();
    await waitFor(() => !victim.socket.connected, { message: 'transport dropped' });

    // Valid credentials of another device, with the owner's private session id.
    const intruder = stack.client(stack.nodes[0]!.url, app, 'intruder-device', { reconnection: false });
    (intruder.socket.auth as Record<string, unknown>).pid = pid;
    (intruder.socket.auth as Record<string, unknown>).offset = offset;
    const outcome = await new Promise<string>((resolve) => {
      intruder.socket.once('connect', () => resolve(intruder.socket.recovered ? 'recovered' : 'connected'));
      intruder.socket.once('connect_error', (error) => resolve(error.message));
    });
    expect(outcome).toBe('INVALID_CREDENTIALS');
    expect(intruder.of('conversation:joined')).toEqual([]);
    intruder.close();
    balancer.unblock();
  }, 40_000);
});
