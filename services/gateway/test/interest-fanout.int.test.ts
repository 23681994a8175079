import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { startTcpBalancer, waitFor, type ServiceProcess } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack } from './harness.js';

/**
 * Interest-based fan-out (issue 19, docs/scaling.md): a node receives the events of a room only while it holds a
 * socket in it, a join on a node with no interest yet misses nothing after its `last_message_id`, and a killed
 * node's rooms move to the survivors with its sockets.
 */
let stack: GatewayStack;
let app: CreatedApp;
let other: CreatedApp;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 3 });
  app = await stack.createApp('interest');
  other = await stack.createApp('interest-other');
}, 60_000);
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const deviceHeaders = (device: string) => ({ 'X-App-Id': app.id, 'X-Device-Id': device, 'X-Api-Key': app.api_key });

/** A labelled series of a node's `/metrics` (0 when absent). */
async function metric(node: ServiceProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)) : false);
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
const roomEventsReceived = async (node: ServiceProcess) =>
  (await metric(node, 'switchboard_gateway_room_events_total', { namespace: 'client', result: 'received' })) +
  (await metric(node, 'switchboard_gateway_room_events_total', { namespace: 'admin', result: 'received' }));

/** The app's agent sends into a conversation over REST, one message every `everyMs`, until stopped; in seq order. */
function flow(conversationId: string, everyMs = 20) {
  const sent: Message[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = Date.now();
      sent.push(await stack.agentSend(app, conversationId, `m${sent.length + 1}`));
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
  })();
  return {
    sent,
    async stop() {
      running = false;
      await done;
      return sent;
    },
  };
}

describe('interest-based fan-out', () => {
  it('interest - a join on a node with no prior interest misses nothing while messages flow', async () => {
    const [, nodeB] = stack.nodes as [ServiceProcess, ServiceProcess, ServiceProcess];
    const device = 'joiner';
    const conversations = [];
    for (let i = 0; i < 5; i++) conversations.push(await stack.openConversation(app, device));
    // The latest conversation is auto-joined; the others are joined mid-flow below, each on a node (B) that holds
    // no socket of it yet. The agent's socket is on another node (A), so B's only interest comes from the join.
    await stack.openConversation(app, device);
    const client = await stack.connected(stack.client(nodeB.url, app, device));
    await client.waitFor('conversation:joined');

    for (const conversation of conversations) {
      const subscriptionsBefore = await metric(nodeB, 'switchboard_gateway_room_subscriptions');
      const messages = flow(conversation.id);
      await waitFor(() => messages.sent.length >= 10, { timeoutMs: 10_000, message: '10 sent before the join' });
      const ack = await client.socket.emitWithAck('conversation:join', { conversation_id: conversation.id });
      expect(ack).toMatchObject({ success: true });
      // The node took an interest in the room for the join.
      expect(await metric(nodeB, 'switchboard_gateway_room_subscriptions')).toBe(subscriptionsBefore + 1);
      await waitFor(() => messages.sent.length >= 30, { timeoutMs: 10_000, message: '20 more sent after the join' });
      const sent = await messages.stop();

      const lastId = (ack as { last_message_id: string | null }).last_message_id;
      const lastSeq = sent.find((m) => m.id === lastId)?.seq ?? 0;
      expect(lastSeq, 'the join came mid-flow').toBeGreaterThan(0);
      const expected = sent.filter((m) => m.seq > lastSeq).map((m) => m.seq);
      expect(expected.length).toBeGreaterThanOrEqual(15);
      const heard = () => client.of('message:new').filter((m) => m.conversation_id === conversation.id).map((m) => m.seq as number);
      await waitFor(() => expected.every((seq) => heard().includes(seq)), { timeoutMs: 10_000, message: 'every message after last_message_id' }).catch(
        () => undefined,
      );
      // Every message after the ack's last_message_id, live and once (no fill from REST here). Several nodes share
      // the consumer, so arrival order is not seq order (the SDK orders): compared sorted.
      expect(heard().filter((seq) => seq > lastSeq).sort((x, y) => x - y)).toEqual(expected);
    }
  }, 120_000);

  it('interest - a node with no socket in a room receives none of its events', async () => {
    const [nodeA, nodeB, nodeC] = stack.nodes as [ServiceProcess, ServiceProcess, ServiceProcess];
    const conversation = await stack.openConversation(app, 'only-on-a');
    const device = await stack.connected(stack.client(nodeA.url, app, 'only-on-a'));
    await device.waitFor('conversation:joined');
    // Node C holds sockets, of another app only.
    await stack.connected(stack.admin(nodeC.url, other));
    const otherConversation = await stack.openConversation(other, 'elsewhere');
    const otherDevice = await stack.connected(stack.client(nodeC.url, other, 'elsewhere'));
    await otherDevice.waitFor('conversation:joined');
    expect(otherConversation.id).not.toBe(conversation.id);
    await sleep(500); // presence and session events of those connections have arrived

    const before = await Promise.all([nodeB, nodeC].map(roomEventsReceived));
    const emittedBefore = await Promise.all(
      stack.nodes.map((n) => metric(n, 'switchboard_gateway_fanout_messages_total', { subject: 'message.created', result: 'emitted' })),
    );
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await stack.rest('POST', `/v1/conversations/${conversation.id}/messages`, deviceHeaders('only-on-a'), { body: `x${i}`, local_id: `x${i}` });
      sent.push(response.body.id);
    }
    const received = await device.waitFor('message:new', 20, 10_000);
    expect(received.map((m) => m.id).sort()).toEqual([...sent].sort());
    await sleep(500);
    const emitted = await Promise.all(
      stack.nodes.map((n) => metric(n, 'switchboard_gateway_fanout_messages_total', { subject: 'message.created', result: 'emitted' })),
    );
    // One node pulled the shared consumer (the lease's holder) and took each event once…
    const took = emitted.map((n, i) => n - emittedBefore[i]!);
    expect(took.filter((n) => n > 0)).toEqual([20]);
    // …and B (no socket) and C (sockets of another app) received none of the room events, whoever took them.
    expect(await Promise.all([nodeB, nodeC].map(roomEventsReceived))).toEqual(before);
    expect(await metric(nodeA, 'switchboard_gateway_room_events_total', { namespace: 'client', result: 'received' })).toBeGreaterThanOrEqual(20);
    expect(otherDevice.of('message:new')).toEqual([]);
  }, 60_000);

  it('interest - after a node is killed its sockets’ rooms move to the survivors, 0 lost', async () => {
    const [, nodeB, nodeC] = stack.nodes as [ServiceProcess, ServiceProcess, ServiceProcess];
    // A fourth node, behind a balancer with B: the device lands on it first, and on B once it is killed.
    const doomed = await stack.startNode();
    await using balancer = await startTcpBalancer([doomed.port, nodeB.port]);
    const conversation = await stack.openConversation(app, 'survivor');
    const client = await stack.connected(stack.client(balancer.url, app, 'survivor'));
    await client.waitFor('conversation:joined');
    expect(balancer.accepted.get(doomed.port)).toBe(1);
    const agent = await stack.connected(stack.admin(nodeC.url, app));
    const subscriptionsOnB = await metric(nodeB, 'switchboard_gateway_room_subscriptions');

    const messages = flow(conversation.id);
    await waitFor(() => messages.sent.length >= 15, { timeoutMs: 10_000, message: '15 sent before the kill' });
    await stack.stop(doomed);
    await waitFor(() => client.of('connected').length >= 2, { timeoutMs: 15_000, message: 'reconnected to a survivor' });
    expect(balancer.accepted.get(nodeB.port)).toBe(1);
    const heardAtReconnect = new Set(client.of('message:new').map((m) => m.seq as number));
    const rejoined = (await client.waitFor('conversation:joined', 2))[1] as { last_message_id: string | null };
    const sentAtRejoin = messages.sent.length;
    await waitFor(() => messages.sent.length >= sentAtRejoin + 30, { timeoutMs: 10_000, message: '30 more sent after the rejoin' });
    const sent = await messages.stop();
    // B took over the room's interest with the socket.
    expect(await metric(nodeB, 'switchboard_gateway_room_subscriptions')).toBe(subscriptionsOnB + 1);

    // What the SDK does after a reconnect: live messages from the rejoin on, and the gap before it from REST.
    const lastBeforeRejoin = sent.find((m) => m.id === rejoined.last_message_id)!.seq;
    const live = () => client.of('message:new').filter((m) => m.conversation_id === conversation.id).map((m) => m.seq as number);
    // Events the killed node held unacked come back from JetStream after ack_wait (10 s), through a survivor.
    await waitFor(() => sent.filter((m) => m.seq > lastBeforeRejoin).every((m) => live().includes(m.seq)), {
      timeoutMs: 20_000,
      message: 'every message after the rejoin, live',
    }).catch(() => undefined);
    expect(live().filter((seq) => seq > lastBeforeRejoin).sort((x, y) => x - y)).toEqual(sent.filter((m) => m.seq > lastBeforeRejoin).map((m) => m.seq));
    const heardBefore = live().filter((seq) => seq <= lastBeforeRejoin);
    // The SDK fills from the last message it delivered in order before the drop.
    let lastHeard = 0;
    while (heardAtReconnect.has(lastHeard + 1)) lastHeard++;
    const filled: number[] = [];
    for (let after = sent.find((m) => m.seq === lastHeard)?.id; ; ) {
      const page = await stack.rest('GET', `/v1/conversations/${conversation.id}/messages?limit=50${after ? `&after=${after}` : ''}`, deviceHeaders('survivor'));
      expect(page.status).toBe(200);
      const data = page.body.data as Message[];
      filled.push(...data.map((m) => m.seq).filter((seq) => seq <= lastBeforeRejoin));
      if (!page.body.has_more || data.length === 0) break;
      after = data.at(-1)!.id;
    }
    const all = new Set([...heardBefore, ...filled, ...live()]);
    expect([...all].sort((x, y) => x - y)).toEqual(sent.map((m) => m.seq));
    // The agent, on a survivor all along, heard every one live.
    await waitFor(() => sent.every((m) => agent.of('message:new').some((n) => n.id === m.id)), { timeoutMs: 20_000, message: 'agent heard all' });
  }, 90_000);

  // Last: it kills the node that pulls the shared consumers.
  it('one puller - exactly one node pulls each shared consumer; when it is killed a standby takes over within the lease, 0 lost', async () => {
    // The nodes still running (the test above killed one of its own).
    const nodes = stack.nodes.filter((n) => n.running);
    const pulling = (stream: string) => Promise.all(nodes.map((n) => metric(n, 'switchboard_gateway_fanout_pulling', { stream })));
    await waitFor(async () => (await pulling('messages')).filter((p) => p === 1).length === 1, { timeoutMs: 5000, message: 'one node pulls gateway-fanout' });
    expect((await pulling('events')).filter((p) => p === 1)).toHaveLength(1);
    const puller = nodes[(await pulling('messages')).indexOf(1)]!;
    const survivor = nodes.find((n) => n !== puller)!;
    const conversation = await stack.openConversation(app, 'lease-survivor');
    const client = await stack.connected(stack.client(survivor.url, app, 'lease-survivor'));
    await client.waitFor('conversation:joined');

    const messages = flow(conversation.id, 50);
    await waitFor(() => messages.sent.length >= 10, { timeoutMs: 10_000, message: '10 sent before the kill' });
    puller.signal('SIGKILL');
    await puller.exited;
    const killedAt = Date.now();
    const alive = nodes.filter((n) => n !== puller);
    await waitFor(async () => (await Promise.all(alive.map((n) => metric(n, 'switchboard_gateway_fanout_pulling', { stream: 'messages' })))).includes(1), {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: 'a standby pulls',
    });
    // FANOUT_LEASE_MS (2 s) after the last renewal, plus a standby's check (0.5 s), plus scraping.
    expect(Date.now() - killedAt).toBeLessThan(4000);
    const sentAtTakeover = messages.sent.length;
    await waitFor(() => messages.sent.length >= sentAtTakeover + 20, { timeoutMs: 10_000, message: '20 sent after the takeover' });
    const sent = await messages.stop();
    // What was sent after the takeover arrives live within seconds; what the killed node held unacked comes back after
    // ack_wait (10 s), possibly a second time if it published it before it died (clients de-duplicate by id).
    const live = () => client.of('message:new').filter((m) => m.conversation_id === conversation.id).map((m) => m.seq as number);
    await waitFor(() => sent.slice(sentAtTakeover).every((m) => live().includes(m.seq)), { timeoutMs: 5000, message: 'the messages sent after the takeover, live' });
    await waitFor(() => sent.every((m) => live().includes(m.seq)), { timeoutMs: 20_000, message: 'every message' });
    expect([...new Set(live())].sort((x, y) => x - y)).toEqual(sent.map((m) => m.seq));
  }, 90_000);
});
