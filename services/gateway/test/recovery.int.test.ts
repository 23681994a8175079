import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { sleep, startTcpBalancer, waitFor, type TcpBalancer } from '@switchboard/testing';
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
 * connection without a close handshake. With two ports the reconnect lands on the other node.
 */
const balancerFor = async (...nodes: number[]) =>
  Object.assign(await startTcpBalancer(nodes.map((i) => stack.nodes[i]!.port)), { backends: nodes.length });

/**
 * Connection state recovery is off (room events ride NATS, docs/scaling.md): a dropped socket comes back as a new
 * session, and what it missed is the SDK's to fetch (it joins its conversations again and catches up).
 */
async function dropAndReconnect(balancer: TcpBalancer & { backends: number }, socket: { connected: boolean; recovered?: boolean }, whileDown?: () => Promise<void>) {
  balancer.block();
  await waitFor(() => !socket.connected, { message: 'transport dropped' });
  await whileDown?.();
  balancer.unblock();
  await waitFor(() => socket.connected, { timeoutMs: 10_000, message: 'reconnected' });
  expect(socket.recovered).toBeFalsy();
  // Through a two-node balancer the second connection went to the other node.
  expect(balancer.accepted.size).toBe(balancer.backends);
}

const deviceHeaders = (device: string) => ({ 'X-App-Id': app.id, 'X-Device-Id': device, 'X-Api-Key': app.api_key });

describe.each([
  ['on the same node', [0], 1],
  ['onto the other node', [0, 1], 0],
])('reconnect %s', (_label, balanced, direct) => {
  it('reconnect - a /client socket joins its conversations again, catches up what it missed and hears the rest live', async () => {
    await using balancer = await balancerFor(...balanced);
    const device = `dev-${balanced.length}`;
    const first = await stack.openConversation(app, device);
    const second = await stack.openConversation(app, device); // the latest: auto-joined
    const client = await stack.connected(stack.client(balancer.url, app, device));
    await client.waitFor('conversation:joined');
    expect(await client.socket.emitWithAck('conversation:join', { conversation_id: first.id })).toMatchObject({ success: true });
    const agent = await stack.connected(stack.admin(stack.nodes[direct]!.url, app));
    const send = async (conversationId: string, body: string) => {
      const ack = await agent.socket.emitWithAck('message:send', { conversation_id: conversationId, body, local_id: body });
      expect(ack).toMatchObject({ success: true });
      return (ack as { message: Message }).message;
    };
    const heard = (body: string) => client.of('message:new').some((m) => m.body === body);

    const before1 = await send(first.id, 'before-1');
    await send(second.id, 'before-2');
    await waitFor(() => heard('before-1') && heard('before-2'), { timeoutMs: 10_000, message: 'both before the drop' });

    const missed: Message[] = [];
    await dropAndReconnect(balancer, client.socket, async () => {
      missed.push(await send(first.id, 'during-1'), await send(second.id, 'during-2'));
    });
    await client.waitFor('connected', 2);
    // The latest conversation is joined again by the server, with the last_message_id the socket missed.
    const autoJoined = await client.waitFor('conversation:joined', 3);
    expect(autoJoined.at(-1)).toEqual({ conversation_id: second.id, last_message_id: missed[1]!.id });
    // The other one as the SDK does: joined again; its ack says what came meanwhile, and REST has it.
    expect(await client.socket.emitWithAck('conversation:join', { conversation_id: first.id })).toEqual({ success: true, last_message_id: missed[0]!.id });
    const gap = await stack.rest('GET', `/v1/conversations/${first.id}/messages?after=${before1.id}`, deviceHeaders(device));
    expect((gap.body.data as Message[]).map((m) => m.body)).toEqual(['during-1']);
    // (The outbox relay may publish them after the reconnection: then they are heard live too, and the SDK keeps one.)

    await send(first.id, 'after-1');
    await send(second.id, 'after-2');
    await waitFor(() => heard('after-1') && heard('after-2'), { timeoutMs: 10_000 }).catch(() => undefined);
    expect(client.of('message:new').map((m) => m.body)).toEqual(expect.arrayContaining(['after-1', 'after-2']));
  }, 40_000);

  it('reconnect - an /admin socket that joins again keeps hearing user:typing in the conversation', async () => {
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
    await dropAndReconnect(balancer, agent.socket);
    await agent.waitFor('connected', 2);
    expect(await agent.socket.emitWithAck('conversation:join', { conversation_id: conversation.id })).toMatchObject({ success: true });
    await typing(2);
  }, 40_000);
});

describe('no connection state recovery', () => {
  it("reconnect - another device's private session id recovers nothing: a new session without the owner's rooms", async () => {
    await using balancer = await balancerFor(0);
    const owner = 'owner-device';
    const conversation = await stack.openConversation(app, owner); // auto-joined: the session has a room
    const victim = await stack.connected(stack.client(balancer.url, app, owner));
    await victim.waitFor('conversation:joined');
    const { _pid: pid } = victim.socket as unknown as { _pid?: string };
    // The server offers no session to recover.
    expect(pid).toBeUndefined();
    balancer.block();
    await waitFor(() => !victim.socket.connected, { message: 'transport dropped' });

    // Valid credentials of another device, with a made-up session id and offset.
    const intruder = stack.client(stack.nodes[0]!.url, app, 'intruder-device', { reconnection: false });
    (intruder.socket.auth as Record<string, unknown>).pid = 'a-session-id';
    (intruder.socket.auth as Record<string, unknown>).offset = '0-0';
    const outcome = await new Promise<string>((resolve) => {
      intruder.socket.once('connect', () => resolve(intruder.socket.recovered ? 'recovered' : 'connected'));
      intruder.socket.once('connect_error', (error) => resolve(error.message));
    });
    expect(outcome).toBe('connected');
    await stack.agentSend(app, conversation.id, 'not for the intruder');
    await sleep(500);
    expect(intruder.of('conversation:joined')).toEqual([]);
    expect(intruder.of('message:new')).toEqual([]);
    intruder.close();
    balancer.unblock();
  }, 40_000);
});
