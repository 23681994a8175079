import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { AgentClient } from '@switchboard/client';
import { io } from 'socket.io-client';
import { REST_PATHS, restPath, SOCKET_PATH, WORKFLOW, type Conversation, type CreatedApp, type Message } from '@switchboard/protocol';
import {
  freeStablePort,
  record,
  sleep,
  startServiceProcess,
  startTcpBalancer,
  waitFor,
  type AdminSocket,
  type ClientSocket,
  type ServiceProcess,
  type TcpBalancer,
} from '@switchboard/testing';
import { chatFlow } from './chat-flow.js';

const script = fileURLToPath(new URL('../../services/embedded/dist/main.js', import.meta.url));
const demoChat = fileURLToPath(new URL('../../examples/terminal-chat/dist/main.js', import.meta.url));

/** `npm start` as a newcomer runs it: no DATABASE_URL, REDIS_URL or NATS_URL, so every stand-in is embedded. */
describe('e2e: embedded single process', () => {
  let dataDir: string;
  let gatewayPort: number;
  let messagesPort: number;
  let platform: ServiceProcess;
  let deviceIngress: TcpBalancer;
  let agentIngress: TcpBalancer;
  const operatorToken = 'embedded-test-operator';

  const start = () =>
    startServiceProcess({
      script,
      portVariable: 'GATEWAY_PORT',
      port: gatewayPort,
      env: { DATA_DIR: dataDir, MESSAGES_PORT: String(messagesPort), WEBHOOKS_PORT: '0', DRAIN_WINDOW_MS: '3000', LOG_LEVEL: 'warn', OPERATOR_TOKEN: operatorToken },
      startTimeoutMs: 60_000,
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sb-embedded-'));
    // The platform restarts on these ports mid-test: keep them out of the range parallel tests draw from.
    gatewayPort = await freeStablePort();
    messagesPort = await freeStablePort();
    platform = await start();
    deviceIngress = await startTcpBalancer([gatewayPort]);
    agentIngress = await startTcpBalancer([gatewayPort]);
  }, 90_000);
  afterAll(async () => {
    await deviceIngress?.close();
    await agentIngress?.close();
    await platform?.[Symbol.asyncDispose]();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('embedded - prints the demo app, which works; the whole chat flow passes; state survives a restart', async () => {
    await waitFor(() => platform.logs().includes('Switchboard is running.'), { message: 'welcome printed' });
    expect(platform.logs()).toContain('embedded PGlite');
    expect(platform.logs()).toContain('in-memory bus');
    const app: CreatedApp = JSON.parse(await readFile(path.join(dataDir, 'demo-app.json'), 'utf8'));
    expect(platform.logs()).toContain(app.api_key);

    await chatFlow({
      app,
      deviceIngress,
      agentIngress,
      apiUrl: `http://127.0.0.1:${messagesPort}`,
      // One process holds everything: terminating the gateway is restarting the platform, on the same data.
      async terminateGatewayOf() {
        platform.signal('SIGTERM');
        expect(await platform.exited).toBe(0);
        platform = await start();
        expect(platform.logs()).not.toContain('created now');
      },
    });
  }, 120_000);

  it('embedded - the terminal chat example talks to an agent', async () => {
    const app: CreatedApp = JSON.parse(await readFile(path.join(dataDir, 'demo-app.json'), 'utf8'));
    const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`, API_URL: `http://127.0.0.1:${messagesPort}` };
    const agent = new AgentClient({ url: env.GATEWAY_URL, apiUrl: env.API_URL, appId: app.id, adminToken: app.admin_token });
    const received: Message[] = [];
    agent.on('message:new', (m) => received.push(m));
    agent.connect();
    await waitFor(() => agent.connected);

    const device = spawn(process.execPath, [demoChat, '--as', 'device', '--device-id', 'terminal-user'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    device.stdout.on('data', (c) => (output += c));
    device.stderr.on('data', (c) => (output += c));
    try {
      await waitFor(() => output.includes('connected as device'), { timeoutMs: 10_000, message: 'demo connected' });
      device.stdin.write('hello from the terminal\n');
      const question = await waitFor(() => received.find((m) => m.body === 'hello from the terminal'), { timeoutMs: 10_000 });
      await agent.join(question.conversation_id);
      await agent.send(question.conversation_id, 'hello, terminal user');
      await waitFor(() => output.includes('agent: hello, terminal user'), { timeoutMs: 10_000, message: `reply shown; output:\n${output}` });
      expect(output).toContain('you: hello from the terminal');
    } finally {
      device.stdin.end();
      device.kill();
      agent.close();
    }
  }, 60_000);

  it('embedded - rotating an admin token with grace 0 ends its live /admin socket (the memory bus carries app events)', async () => {
    const api = `http://127.0.0.1:${messagesPort}`;
    const json = async <T>(path: string, body: unknown): Promise<T> => {
      const response = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', Authorization: `Bearer ${operatorToken}` }, body: JSON.stringify(body) });
      expect(response.status).toBe(201);
      return (await response.json()) as T;
    };
    const app = await json<CreatedApp>('/v1/apps', { name: 'rotated' });
    const socket = io(`http://127.0.0.1:${gatewayPort}/admin`, { path: SOCKET_PATH, transports: ['websocket'], forceNew: true, reconnection: false, auth: { app_id: app.id, admin_token: app.admin_token } });
    const errors: { code: string }[] = [];
    socket.on('error' as never, (error: { code: string }) => void errors.push(error));
    try {
      await waitFor(() => socket.connected, { message: 'admin connected' });
      await json<unknown>(`/v1/apps/${app.id}/credentials/rotate`, { which: 'admin_token', grace_seconds: 0 });
      await waitFor(() => socket.disconnected, { timeoutMs: 10_000, message: 'admin socket ended' });
      expect(errors.map((e) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    } finally {
      socket.close();
    }
  }, 60_000);

  it('embedded - a change of a conversation reaches the device and the agent once as conversation:updated (the memory bus carries conversation events)', async () => {
    const app: CreatedApp = JSON.parse(await readFile(path.join(dataDir, 'demo-app.json'), 'utf8'));
    const api = `http://127.0.0.1:${messagesPort}`;
    const device = { 'content-type': 'application/json', 'X-App-Id': app.id, 'X-Device-Id': 'workflow-device', 'X-Api-Key': app.api_key };
    const conversation = (await (await fetch(`${api}${REST_PATHS.conversations}`, { method: 'POST', headers: device })).json()) as Conversation;
    const options = { path: SOCKET_PATH, transports: ['websocket'], forceNew: true, reconnection: false };
    const deviceSocket = record<ClientSocket>(io(`http://127.0.0.1:${gatewayPort}/client`, { ...options, auth: { app_id: app.id, device_id: 'workflow-device', api_key: app.api_key } }));
    const agentSocket = record<AdminSocket>(io(`http://127.0.0.1:${gatewayPort}/admin`, { ...options, auth: { app_id: app.id, admin_token: app.admin_token } }));
    try {
      await deviceSocket.waitFor('conversation:joined');
      await agentSocket.waitFor('connected');
      const closed = await fetch(`${api}${restPath(REST_PATHS.conversation, conversation.id)}`, { method: 'PATCH', headers: device, body: JSON.stringify({ status: 'closed' }) });
      expect(closed.status).toBe(200);
      const [toDevice] = await deviceSocket.waitFor('conversation:updated', 1, 10_000);
      const [toAgent] = await agentSocket.waitFor('conversation:updated', 1, 10_000);
      expect(toDevice).toEqual(await closed.json());
      expect(toAgent).toMatchObject({ id: conversation.id, status: 'closed' });
      await sleep(500);
      expect(deviceSocket.of('conversation:updated')).toHaveLength(1);
      expect(agentSocket.of('conversation:updated')).toHaveLength(1);
    } finally {
      deviceSocket.close();
      agentSocket.close();
    }
  }, 60_000);

  it('embedded - the snooze timer runs on PGlite: a conversation snoozed for 2 s reopens by itself, and both sides hear it', async () => {
    const app: CreatedApp = JSON.parse(await readFile(path.join(dataDir, 'demo-app.json'), 'utf8'));
    const api = `http://127.0.0.1:${messagesPort}`;
    const device = { 'content-type': 'application/json', 'X-App-Id': app.id, 'X-Device-Id': 'snooze-device', 'X-Api-Key': app.api_key };
    const agent = { 'content-type': 'application/json', Authorization: `Bearer ${app.admin_token}` };
    const conversation = (await (await fetch(`${api}${REST_PATHS.conversations}`, { method: 'POST', headers: device })).json()) as Conversation;
    const options = { path: SOCKET_PATH, transports: ['websocket'], forceNew: true, reconnection: false };
    const deviceSocket = record<ClientSocket>(io(`http://127.0.0.1:${gatewayPort}/client`, { ...options, auth: { app_id: app.id, device_id: 'snooze-device', api_key: app.api_key } }));
    const agentSocket = record<AdminSocket>(io(`http://127.0.0.1:${gatewayPort}/admin`, { ...options, auth: { app_id: app.id, admin_token: app.admin_token } }));
    try {
      await deviceSocket.waitFor('conversation:joined');
      await agentSocket.waitFor('connected');
      const until = new Date(Date.now() + 2000);
      const url = `${api}${restPath(REST_PATHS.conversation, conversation.id)}`;
      const snoozed = await fetch(url, { method: 'PATCH', headers: agent, body: JSON.stringify({ status: 'snoozed', snoozed_until: until.toISOString() }) });
      expect(snoozed.status).toBe(200);
      const [, toDevice] = await deviceSocket.waitFor('conversation:updated', 2, 10_000);
      const [, toAgent] = await agentSocket.waitFor('conversation:updated', 2, 10_000);
      expect(Date.now() - until.getTime()).toBeLessThan(WORKFLOW.snoozeWakeBoundMs);
      expect(toDevice).toMatchObject({ id: conversation.id, status: 'open', snoozed_until: null });
      expect(toAgent).toEqual(await (await fetch(url, { headers: agent })).json());
      expect(Date.parse(toAgent!.updated_at)).toBeGreaterThanOrEqual(until.getTime());
      await sleep(1500);
      expect(deviceSocket.of('conversation:updated')).toHaveLength(2);
      expect(agentSocket.of('conversation:updated')).toHaveLength(2);
    } finally {
      deviceSocket.close();
      agentSocket.close();
    }
  }, 60_000);
});
