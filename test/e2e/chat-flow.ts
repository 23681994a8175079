import { expect } from 'vitest';
import { AgentClient, ChatClient } from '@switchboard/client';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { waitFor, type TcpBalancer } from '@switchboard/testing';

export interface FlowEnvironment {
  readonly app: CreatedApp;
  /** The device's way in: a balancer that can also cut it off. */
  readonly deviceIngress: TcpBalancer;
  /** The agent's way in. */
  readonly agentIngress: TcpBalancer;
  readonly apiUrl: string;
  /** SIGTERMs the gateway holding this connection; resolves when a gateway serves again. */
  terminateGatewayOf(connectionId: string, agent: AgentClient): Promise<void>;
}

interface Recorder<T> {
  readonly items: T[];
  until(predicate: (items: T[]) => boolean, message: string, timeoutMs?: number): Promise<void>;
}
function recorder<T>(): Recorder<T> {
  const items: T[] = [];
  return {
    items,
    until: (predicate, message, timeoutMs = 10_000) =>
      waitFor(() => predicate(items), { timeoutMs, message: `${message} (have ${items.length}: ${JSON.stringify(items.slice(-12).map((i) => (i as { seq?: number }).seq ?? i))})` }).then(() => undefined),
  };
}

const seqs = (messages: Message[]) => messages.map((m) => m.seq);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * The seeds' whole flow through the SDK: a device connects and is auto-joined, sends over REST and the socket, a
 * second tab of the device and an agent get each message once; typing both ways; presence; the device drops,
 * misses messages and gets exactly those, in order, when it is back; its gateway is terminated and it reconnects
 * after the hinted delay without losing anything.
 */
export async function chatFlow(env: FlowEnvironment): Promise<void> {
  const { app } = env;
  const deviceId = `customer-${Date.now()}`;
  const opened = await fetch(new URL('/v1/conversations', env.apiUrl), {
    method: 'POST',
    headers: { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key },
  });
  const conversation = (await opened.json()) as { id: string };

  const agent = new AgentClient({ url: env.agentIngress.url, apiUrl: env.apiUrl, appId: app.id, adminToken: app.admin_token, backoff: { baseMs: 100, maxMs: 500 } });
  const presence = recorder<{ device_id: string; is_online: boolean; active_connections: number }>();
  const userTyping = recorder<{ is_typing: boolean; device_id: string }>();
  const agentMessages = recorder<Message>();
  agent.on('presence:change', (p) => p.device_id === deviceId && presence.items.push(p));
  agent.on('user:typing', (t) => userTyping.items.push(t));
  agent.on('message:new', (m) => m.conversation_id === conversation.id && agentMessages.items.push(m));
  agent.connect();
  await waitFor(() => agent.connected, { message: 'agent connected' });

  const tab = (name: string) => {
    const client = new ChatClient({
      url: env.deviceIngress.url,
      apiUrl: env.apiUrl,
      appId: app.id,
      deviceId,
      apiKey: app.api_key,
      backoff: { baseMs: 100, maxMs: 500 },
      ackTimeoutMs: 3000,
    });
    const messages = recorder<Message>();
    const joined = recorder<{ conversation_id: string; last_message_id: string | null }>();
    const typing = recorder<{ is_typing: boolean }>();
    const shutdowns = recorder<{ reconnect_delay_ms: number }>();
    const reconnects = recorder<{ delayMs: number }>();
    client.on('message:new', (m) => messages.items.push(m));
    client.on('conversation:joined', (j) => joined.items.push(j));
    client.on('agent:typing', (t) => typing.items.push(t));
    client.on('server:shutdown', (s) => shutdowns.items.push(s));
    client.on('reconnecting', (r) => reconnects.items.push(r));
    return { name, client: client.connect(), messages, joined, typing, shutdowns, reconnects };
  };

  // 1. Connect: auto-joined to the device's conversation; online once for two tabs.
  const tab1 = tab('tab1');
  await tab1.joined.until((j) => j.some((x) => x.conversation_id === conversation.id), 'tab1 auto-joined');
  await presence.until((p) => p.length === 1, 'online');
  expect(presence.items[0]).toMatchObject({ is_online: true, active_connections: 1 });
  const tab2 = tab('tab2');
  await tab2.joined.until((j) => j.some((x) => x.conversation_id === conversation.id), 'tab2 auto-joined');
  expect(presence.items).toHaveLength(1);
  await agent.join(conversation.id);

  // 2. Sends over the socket and REST; both tabs and the agent get each message once, in seq order.
  const sent: Message[] = [];
  sent.push(await tab1.client.send(conversation.id, 'hello from the socket'));
  sent.push(await tab1.client.sendViaRest(conversation.id, 'hello over REST'));
  sent.push(await agent.send(conversation.id, 'hi, how can I help?'));
  expect(sent.map((m) => m.sender)).toEqual(['user', 'user', 'agent']);
  for (const r of [tab1.messages, tab2.messages, agentMessages]) {
    await r.until((items) => items.length >= 3, 'three messages');
  }
  for (const r of [tab1.messages, tab2.messages, agentMessages]) expect(seqs(r.items)).toEqual([1, 2, 3]);

  // 3. Typing both ways.
  tab1.client.typing(conversation.id);
  await userTyping.until((t) => t.some((x) => x.is_typing && x.device_id === deviceId), 'user typing');
  agent.typing(conversation.id);
  await tab2.typing.until((t) => t.some((x) => x.is_typing), 'agent typing on tab2');
  tab1.client.stopTyping(conversation.id);
  await userTyping.until((t) => t.at(-1)?.is_typing === false, 'user stopped typing');
  agent.stopTyping(conversation.id);

  // 4. The device drops (network cut), misses messages, and gets exactly those, in order, once back.
  env.deviceIngress.block();
  await waitFor(() => !tab1.client.connected && !tab2.client.connected, { message: 'device dropped' });
  await presence.until((p) => p.at(-1)?.is_online === false, 'offline');
  for (let i = 1; i <= 4; i++) sent.push(await agent.send(conversation.id, `while you were away ${i}`));
  env.deviceIngress.unblock();
  for (const t of [tab1, tab2]) await t.messages.until((items) => items.length >= 7, `${t.name} caught up`);
  await presence.until((p) => p.at(-1)?.is_online === true, 'online again');
  for (const t of [tab1, tab2]) expect(seqs(t.messages.items)).toEqual(oneToN(7));

  // 5. Its gateway is terminated: it is told, waits the hinted delay, reconnects and loses nothing.
  await waitFor(() => tab1.client.connectionId, { message: 'tab1 connection id' });
  const before = tab1.reconnects.items.length;
  const terminated = env.terminateGatewayOf(tab1.client.connectionId!, agent);
  await tab1.shutdowns.until((s) => s.length === 1, 'server:shutdown', 15_000);
  const hint = tab1.shutdowns.items[0]!.reconnect_delay_ms;
  await tab1.reconnects.until((r) => r.length > before, 'reconnect scheduled', 15_000);
  expect(tab1.reconnects.items[before]!.delayMs).toBeGreaterThanOrEqual(hint);
  await terminated;
  for (let i = 1; i <= 3; i++) sent.push(await agent.send(conversation.id, `after the restart ${i}`));
  for (const t of [tab1, tab2]) {
    const state = () => JSON.stringify({ state: t.client.state, connected: t.client.connected, joined: t.joined.items, reconnects: t.reconnects.items.slice(-5), last: t.client.lastDelivered(conversation.id) });
    await t.messages.until((items) => items.length >= 10, `${t.name} has everything`, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; ${state()}`);
    });
  }
  await agentMessages.until((items) => items.length >= 10, 'agent has everything', 30_000);
  for (const r of [tab1.messages, tab2.messages, agentMessages]) {
    expect(seqs(r.items)).toEqual(oneToN(10));
    expect(r.items.map((m) => m.id)).toEqual(sent.map((m) => m.id));
  }

  for (const t of [tab1, tab2]) t.client.close();
  agent.close();
}
