import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { sleep, startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
let app: CreatedApp;
let other: CreatedApp;
let a: string;
let b: string;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2 });
  [a, b] = stack.nodes.map((n) => n.url) as [string, string];
  app = await stack.createApp('fanout');
  other = await stack.createApp('other');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const deviceHeaders = (app: CreatedApp, device: string) => ({ 'X-App-Id': app.id, 'X-Device-Id': device, 'X-Api-Key': app.api_key });

describe('fan-out across two nodes', () => {
  it('fan-out - one message reaches every socket of its room on both nodes exactly once, and no one else', async () => {
    const c = await stack.openConversation(app, 'phone');
    await stack.openConversation(app, 'stranger');
    // The device on both nodes (two tabs), agents on both nodes (one also joined the conversation's room).
    const tabA = await stack.connected(stack.client(a, app, 'phone'));
    const tabB = await stack.connected(stack.client(b, app, 'phone'));
    const agentA = await stack.connected(stack.admin(a, app));
    const agentB = await stack.connected(stack.admin(b, app));
    expect((await agentB.socket.emitWithAck('conversation:join', { conversation_id: c.id })).success).toBe(true);
    const strangerDevice = await stack.connected(stack.client(b, app, 'stranger'));
    const otherAgent = await stack.connected(stack.admin(a, other));
    const otherDevice = await stack.connected(stack.client(b, other, 'phone'));
    await tabA.waitFor('conversation:joined');
    await tabB.waitFor('conversation:joined');

    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await stack.rest('POST', `/v1/conversations/${c.id}/messages`, deviceHeaders(app, 'phone'), { body: `m${i}`, local_id: `m${i}` });
      sent.push(response.body.id);
    }
    for (const socket of [tabA, tabB, agentA, agentB]) {
      const received = await socket.waitFor('message:new', 10);
      expect(received.map((m) => m.id).sort()).toEqual([...sent].sort());
      expect(received[0]).not.toHaveProperty('app_id');
      expect(Object.keys(received[0]).sort()).toEqual(['body', 'conversation_id', 'created_at', 'id', 'local_id', 'sender', 'sender_id', 'sender_name', 'seq', 'status']);
    }
    await sleep(300);
    for (const socket of [tabA, tabB, agentA, agentB]) expect(socket.of('message:new')).toHaveLength(10);
    expect(strangerDevice.of('message:new')).toEqual([]);
    expect(otherAgent.of('message:new')).toEqual([]);
    expect(otherDevice.of('message:new')).toEqual([]);
    // Each event was handled by one node: together the nodes emitted each message once.
    const emitted = await Promise.all(stack.nodes.map(async (n) => {
      const text = await (await fetch(`${n.url}/metrics`)).text();
      return Number(/switchboard_gateway_fanout_messages_total\{subject="message.created",result="emitted"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    }));
    expect(emitted.reduce((x, y) => x + y, 0)).toBe(10);
  });

  it('send - client and agent message:send are acked with the stored message, idempotent on local_id', async () => {
    const c = await stack.openConversation(app, 'sender');
    const device = await stack.connected(stack.client(a, app, 'sender'));
    const agent = await stack.connected(stack.admin(b, app));
    await device.waitFor('conversation:joined');
    const first = await device.socket.emitWithAck('message:send', { conversation_id: c.id, body: 'hello', local_id: 'same' });
    expect(first).toMatchObject({ success: true, message: { body: 'hello', sender: 'user', seq: 1, local_id: 'same' } });
    const retry = await device.socket.emitWithAck('message:send', { conversation_id: c.id, body: 'hello again', local_id: 'same' });
    expect(retry).toEqual(first);
    const reply = await agent.socket.emitWithAck('message:send', { conversation_id: c.id, body: 'hi!', local_id: 'agent-1' });
    expect(reply).toMatchObject({ success: true, message: { sender: 'agent', seq: 2 } });
    const received = await device.waitFor('message:new', 2);
    expect(received.map((m) => m.seq).sort()).toEqual([1, 2]);
    // A client cannot send into another device's conversation.
    const theirs = await stack.openConversation(app, 'victim');
    expect(await device.socket.emitWithAck('message:send', { conversation_id: theirs.id, body: 'x', local_id: 'x' })).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect(await agent.socket.emitWithAck('message:send', { conversation_id: (await stack.openConversation(other, 'd')).id, body: 'x', local_id: 'x' })).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });

  it('typing - user:typing reaches agents that joined, agent:typing reaches the device, across nodes', async () => {
    const c = await stack.openConversation(app, 'typer');
    const device = await stack.connected(stack.client(a, app, 'typer'));
    const joined = await stack.connected(stack.admin(b, app));
    const notJoined = await stack.connected(stack.admin(b, app));
    await device.waitFor('conversation:joined');
    await joined.socket.emitWithAck('conversation:join', { conversation_id: c.id });
    expect(await device.socket.emitWithAck('typing:start', { conversation_id: c.id })).toEqual({ success: true });
    expect(await joined.waitFor('user:typing')).toEqual([{ conversation_id: c.id, device_id: 'typer', is_typing: true }]);
    expect(await joined.socket.emitWithAck('typing:start', { conversation_id: c.id })).toEqual({ success: true });
    expect(await device.waitFor('agent:typing')).toEqual([{ conversation_id: c.id, is_typing: true }]);
    // Extra events inside the second are dropped; the stop that follows a start is still delivered.
    device.socket.emit('typing:start', { conversation_id: c.id });
    device.socket.emit('typing:stop', { conversation_id: c.id });
    const typing = await joined.waitFor('user:typing', 2, 3000);
    expect(typing.at(-1)).toEqual({ conversation_id: c.id, device_id: 'typer', is_typing: false });
    await sleep(300);
    expect(joined.of('user:typing')).toHaveLength(2);
    expect(notJoined.of('user:typing')).toEqual([]);
    // A typing agent that disconnects is shown as stopped.
    joined.close();
    expect((await device.waitFor('agent:typing', 2)).at(-1)).toEqual({ conversation_id: c.id, is_typing: false });
  });

  it('read receipts - message:status reaches the room on both namespaces', async () => {
    const c = await stack.openConversation(app, 'reader');
    const device = await stack.connected(stack.client(b, app, 'reader'));
    const agent = await stack.connected(stack.admin(a, app));
    await device.waitFor('conversation:joined');
    const sent = await device.socket.emitWithAck('message:send', { conversation_id: c.id, body: 'read me', local_id: 'r1' });
    const messageId = (sent as any).message.id;
    const read = await stack.rest('POST', `/v1/conversations/${c.id}/read`, { Authorization: `Bearer ${app.admin_token}` }, { last_read_message_id: messageId });
    expect(read.status).toBe(204);
    const status = { conversation_id: c.id, message_id: messageId, status: 'read', reader: 'agent' };
    expect(await device.waitFor('message:status')).toEqual([status]);
    expect(await agent.waitFor('message:status')).toEqual([status]);
  });
});
