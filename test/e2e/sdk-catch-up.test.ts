import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, type ClientStore } from '@switchboard/client';
import { createFileStore } from '@switchboard/client/node';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { sleep, waitFor } from '@switchboard/testing';
import { collect, sdkClients, settlesWithin, startSdkStack, type SdkStack } from './sdk-stack.js';

/** Catch-up across client instances (through a durable store) and across reconnects that lose the session. */
describe('sdk: catch-up', () => {
  let stack: SdkStack;
  let app: CreatedApp;
  let dirs: string[] = [];
  const { chat: client, agent, track, closeAll } = sdkClients(() => stack, () => app);
  const chat = (deviceId: string, store?: ClientStore) => client(deviceId, store ? { store } : {});
  const folder = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sdk-store-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    stack = await startSdkStack();
    app = await stack.createApp('sdk-catch-up');
  }, 60_000);
  afterAll(async () => {
    closeAll();
    await stack?.[Symbol.asyncDispose]();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    dirs = [];
  });

  it('sdk - a new instance for the same device receives exactly the messages it missed while gone', async () => {
    const dir = await folder();
    const conversation = await stack.openConversation(app, 'restarted');
    await stack.agentSend(app, conversation.id, 'before 1');
    await stack.agentSend(app, conversation.id, 'before 2');

    const first = chat('restarted', createFileStore(dir));
    const seenByFirst = collect<Message>();
    first.on('message:new', seenByFirst.push);
    first.connect();
    await waitFor(() => first.lastDelivered(conversation.id), { message: 'auto-joined' });
    await stack.agentSend(app, conversation.id, 'live 3');
    await seenByFirst.until((items) => items.length === 1, 'live message');
    await first.close();

    await stack.agentSend(app, conversation.id, 'missed 4');
    await stack.agentSend(app, conversation.id, 'missed 5');

    const second = chat('restarted', createFileStore(dir));
    const seenBySecond = collect<Message>();
    second.on('message:new', seenBySecond.push);
    second.connect();
    await seenBySecond.until((items) => items.length >= 2, 'missed messages');
    await stack.agentSend(app, conversation.id, 'live 6');
    await seenBySecond.until((items) => items.length >= 3, 'next live message');
    await sleep(200);
    expect(seenBySecond.items.map((m) => m.body)).toEqual(['missed 4', 'missed 5', 'live 6']);
    expect(seenBySecond.items.map((m) => m.seq)).toEqual([4, 5, 6]);
  });

  it('sdk - a new agent instance on the store of the previous one receives exactly what that one missed', async () => {
    const dir = await folder();
    const conversation = await stack.openConversation(app, 'agent-restart');
    const options = { url: stack.gatewayUrl, apiUrl: stack.apiUrl, appId: app.id, adminToken: app.admin_token };
    const first = new AgentClient({ ...options, store: createFileStore(dir) });
    track(first);
    const seenByFirst = collect<Message>();
    first.on('message:new', (m) => m.conversation_id === conversation.id && seenByFirst.push(m));
    first.connect();
    await waitFor(() => first.connected, { message: 'first agent connected' });
    await stack.agentSend(app, conversation.id, 'seen 1');
    await seenByFirst.until((items) => items.length === 1, 'first message');
    await first.close();
    await stack.agentSend(app, conversation.id, 'missed 2');

    const second = new AgentClient({ ...options, store: createFileStore(dir) });
    track(second);
    const seen = collect<Message>();
    second.on('message:new', (m) => m.conversation_id === conversation.id && seen.push(m));
    second.connect();
    await seen.until((items) => items.length === 1, 'the missed message');
    await sleep(200);
    expect(seen.items.map((m) => [m.seq, m.body])).toEqual([[2, 'missed 2']]);
  });

  it('sdk - a queued send survives a restart with a durable store: the next instance sends it and emits it', async () => {
    const dir = await folder();
    const conversation = await stack.openConversation(app, 'offline-sender');
    const first = chat('offline-sender', createFileStore(dir)); // never connects: the send stays queued
    const queued = first.send(conversation.id, 'written offline', { localId: 'offline-1' });
    queued.catch(() => {}); // checked below
    await waitFor(() => first.pendingSends.length === 1, { message: 'queued' });
    await first.close();
    await expect(settlesWithin(queued, 2000, 'queued send')).rejects.toMatchObject({ code: 'CLIENT_CLOSED', kept: true });

    const desk = agent();
    const deskSaw = collect<Message>();
    desk.on('message:new', (m) => m.conversation_id === conversation.id && deskSaw.push(m));
    desk.connect();
    await waitFor(() => desk.connected, { message: 'agent connected' });

    const second = chat('offline-sender', createFileStore(dir));
    const seen = collect<Message>();
    second.on('message:new', seen.push);
    second.connect();
    await seen.until((items) => items.some((m) => m.local_id === 'offline-1'), 'the queued send as message:new');
    await deskSaw.until((items) => items.length === 1, 'agent got it');
    expect(deskSaw.items[0]).toMatchObject({ body: 'written offline', local_id: 'offline-1', seq: 1 });
    expect(seen.items.filter((m) => m.local_id === 'offline-1')).toHaveLength(1);
    await waitFor(() => second.pendingSends.length === 0, { message: 'queue empty' });
  });

  it('sdk - an agent relying on its app room fills the gap after a reconnect that lost the session, with no later message', async () => {
    const conversation = await stack.openConversation(app, 'agent-gap');
    const desk = agent();
    const seen = collect<Message>();
    desk.on('message:new', (m) => m.conversation_id === conversation.id && seen.push(m));
    desk.connect();
    await waitFor(() => desk.connected, { message: 'agent connected' });
    await stack.agentSend(app, conversation.id, 'one');
    await stack.agentSend(app, conversation.id, 'two');
    await seen.until((items) => items.length === 2, 'first two');
    // The fault, just before the last message: the agent is away (its session ends) when it is sent.
    desk.disconnect();
    await stack.agentSend(app, conversation.id, 'three, the last');
    desk.connect();
    await seen.until((items) => items.length === 3, 'the last message, with nothing after it');
    expect(seen.items.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('sdk - an agent gets a conversation that was opened and written to while it was away, from its first message', async () => {
    const desk = agent();
    const seen = collect<Message>();
    desk.on('message:new', seen.push);
    desk.connect();
    await waitFor(() => desk.connected, { message: 'agent connected' });
    desk.disconnect();
    const conversation = await stack.openConversation(app, 'new-while-away');
    await stack.agentSend(app, conversation.id, 'first');
    await stack.agentSend(app, conversation.id, 'second, the last');
    desk.connect();
    await seen.until((items) => items.filter((m) => m.conversation_id === conversation.id).length === 2, 'both messages');
    expect(seen.items.filter((m) => m.conversation_id === conversation.id).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('sdk - an agent back from a drop does not replay a quiet conversation that was closed while it was away', async () => {
    // Written before this agent first connected: not this instance's to deliver.
    const quiet = await stack.openConversation(app, 'quiet-then-closed');
    await stack.agentSend(app, quiet.id, 'an old message');
    const busy = await stack.openConversation(app, 'busy-while-away');
    const desk = agent();
    const seen = collect<Message>();
    desk.on('message:new', seen.push);
    desk.connect();
    await waitFor(() => desk.connected, { message: 'agent connected' });
    desk.disconnect();
    // While it is away: the quiet conversation is closed (its updated_at moves, its messages do not), another gets a message.
    const closed = await fetch(new URL(`/v1/conversations/${quiet.id}`, stack.apiUrl), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${app.admin_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'closed' }),
    });
    expect(closed.status).toBe(200);
    await stack.agentSend(app, busy.id, 'while away');
    desk.connect();
    await seen.until((items) => items.some((m) => m.conversation_id === busy.id), 'the message sent while away');
    await sleep(500); // the catch-up walk is done; a replay would come now
    expect(seen.items.filter((m) => m.conversation_id === quiet.id)).toEqual([]);
  });

  it('sdk - a device fills the gap after a reconnect that lost the session, with no later message', async () => {
    const conversation = await stack.openConversation(app, 'device-gap');
    const device = chat('device-gap');
    const seen = collect<Message>();
    device.on('message:new', seen.push);
    device.connect();
    await waitFor(() => device.lastDelivered(conversation.id), { message: 'auto-joined' });
    await stack.agentSend(app, conversation.id, 'one');
    await seen.until((items) => items.length === 1, 'first');
    device.disconnect();
    await stack.agentSend(app, conversation.id, 'two, the last');
    device.connect();
    await seen.until((items) => items.length === 2, 'the last message');
    expect(seen.items.map((m) => m.seq)).toEqual([1, 2]);
  });
});
