import { randomUUID } from 'node:crypto';
import { AgentClient, ChatClient } from '@switchboard/client';
import type { CreatedApp, PresenceChangePayload } from '@switchboard/protocol';
import { sleep, waitFor } from '@switchboard/testing';
import type { FaultStack } from './fault-stack.js';
import { Ledger } from './ledger.js';

export interface FleetOptions {
  /** @default 20 */
  readonly devices?: number;
  /** @default 2 */
  readonly agents?: number;
  /** Each device sends one message this often, whether the last one was acknowledged or not. @default 1000 */
  readonly deviceEveryMs?: number;
  /** Each agent sends one message this often, to the devices' conversations in turn. @default 500 */
  readonly agentEveryMs?: number;
}

export interface Device {
  readonly id: string;
  readonly client: ChatClient;
  readonly conversationId: string;
}

/** A connection event of one client, for the scenario's timeline (where the catch-up time went). */
export interface ConnectionEvent {
  readonly client: string;
  readonly event: 'server:shutdown' | 'disconnect' | 'reconnecting' | 'connect';
  readonly at: number;
  /** `reconnecting`: the delay before the attempt; `server:shutdown`: the hint. */
  readonly delayMs?: number;
}

export interface PresenceEvent extends PresenceChangePayload {
  readonly agent: string;
  readonly at: number;
}

/**
 * The clients a fault scenario runs: devices with a conversation each and agents, all SDK clients with their
 * default options, connected through the stack's ingress (the balancer over both gateways). `startSending` keeps
 * every client sending on a timer; the ledger records each send and each delivery.
 */
export interface Fleet {
  readonly app: CreatedApp;
  readonly ledger: Ledger;
  readonly devices: readonly Device[];
  readonly agents: readonly AgentClient[];
  readonly presence: PresenceEvent[];
  /** Every client's connection events, in order. */
  readonly timeline: ConnectionEvent[];
  readonly conversationIds: readonly string[];
  startSending(): void;
  stopSending(): void;
  /** Connections the clients lost so far. */
  readonly drops: number;
  /** Sends started and not settled (the SDK keeps retrying them). */
  readonly inFlight: number;
  /** Waits until every send settled and every client delivered everything Postgres has of its conversations. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFleet(faults: FaultStack, options: FleetOptions = {}): Promise<Fleet> {
  const app = await faults.stack.createApp('faults');
  const ledger = new Ledger();
  const presence: PresenceEvent[] = [];
  const base = { url: faults.ingress.url, apiUrl: faults.apiUrl, appId: app.id };

  const devices: Device[] = [];
  for (let i = 0; i < (options.devices ?? 20); i++) {
    const id = `device-${i + 1}`;
    const { id: conversationId } = await faults.stack.openConversation(app, id);
    const client = new ChatClient({ ...base, deviceId: id, apiKey: app.api_key });
    client.on('message:new', ledger.client(id, () => [conversationId]));
    devices.push({ id, client, conversationId });
  }
  const conversationIds = devices.map((d) => d.conversationId);
  const agents: AgentClient[] = [];
  for (let i = 0; i < (options.agents ?? 2); i++) {
    const name = `agent-${i + 1}`;
    const agent = new AgentClient({ ...base, adminToken: app.admin_token });
    agent.on('message:new', ledger.client(name, () => conversationIds));
    agent.on('presence:change', (payload) => presence.push({ ...payload, agent: name, at: Date.now() }));
    agents.push(agent);
  }

  let drops = 0;
  for (const device of devices) device.client.on('disconnect', () => drops++);
  for (const agent of agents) agent.on('disconnect', () => drops++);
  const timeline: ConnectionEvent[] = [];
  const follow = (name: string, client: ChatClient | AgentClient) => {
    // The events followed here are the same on both clients; their `on` types differ in the others.
    const on = client.on.bind(client) as (event: string, listener: (payload: { reconnect_delay_ms?: number; delayMs?: number }) => void) => void;
    on('server:shutdown', (p) => timeline.push({ client: name, event: 'server:shutdown', at: Date.now(), delayMs: p.reconnect_delay_ms! }));
    on('disconnect', () => timeline.push({ client: name, event: 'disconnect', at: Date.now() }));
    on('reconnecting', (info) => timeline.push({ client: name, event: 'reconnecting', at: Date.now(), delayMs: info.delayMs! }));
    on('connect', () => timeline.push({ client: name, event: 'connect', at: Date.now() }));
  };
  for (const device of devices) follow(device.id, device.client);
  agents.forEach((agent, i) => follow(`agent-${i + 1}`, agent));
  const joined = new Set<string>();
  for (const device of devices) device.client.on('conversation:joined', () => joined.add(device.id));
  for (const agent of agents) agent.connect();
  await waitFor(() => agents.every((a) => a.connected), { timeoutMs: 15_000, message: 'agents connected' });
  for (const device of devices) device.client.connect();
  await waitFor(() => joined.size === devices.length, { timeoutMs: 15_000, message: `devices joined (${joined.size})` });

  const timers: NodeJS.Timeout[] = [];
  const send = (sender: string, client: ChatClient | AgentClient, conversationId: string) => {
    const localId = randomUUID();
    ledger.track(sender, conversationId, localId, client.send(conversationId, `${sender} ${localId}`, { localId }));
  };
  return {
    app,
    ledger,
    devices,
    agents,
    presence,
    timeline,
    conversationIds,
    startSending() {
      const deviceEvery = options.deviceEveryMs ?? 1000;
      const agentEvery = options.agentEveryMs ?? 500;
      devices.forEach((device, i) => {
        // Staggered, so the sends spread over the interval.
        const start = setTimeout(() => {
          send(device.id, device.client, device.conversationId);
          timers.push(setInterval(() => send(device.id, device.client, device.conversationId), deviceEvery));
        }, (deviceEvery * i) / devices.length);
        timers.push(start);
      });
      agents.forEach((agent, i) => {
        let turn = i;
        timers.push(setInterval(() => send(`agent-${i + 1}`, agent, conversationIds[turn++ % conversationIds.length]!), agentEvery));
      });
    },
    stopSending() {
      for (const timer of timers.splice(0)) clearInterval(timer);
    },
    get drops() {
      return drops;
    },
    get inFlight() {
      return ledger.pending;
    },
    async settle(timeoutMs = 30_000) {
      await waitFor(
        async () => ledger.pending === 0 && ledger.caughtUpWith(await faults.storedRows(conversationIds)),
        {
          timeoutMs,
          intervalMs: 250,
          get message() {
            const states = [...devices.map((d) => d.client.state), ...agents.map((a) => a.state)];
            return `fleet settled (${ledger.pending} sends pending; clients ${JSON.stringify(states.reduce<Record<string, number>>((n, s) => ((n[s] = (n[s] ?? 0) + 1), n), {}))})`;
          },
        },
      );
      await sleep(300); // a late duplicate would show now
    },
    async close() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.all([...devices.map((d) => d.client.close()), ...agents.map((a) => a.close())]);
    },
  };
}
