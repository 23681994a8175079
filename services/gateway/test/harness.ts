import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { Redis } from 'ioredis';
import type {
  AdminToServerEvents,
  ClientToServerEvents,
  CreatedApp,
  ServerToAdminEvents,
  ServerToClientEvents,
} from '@switchboard/protocol';
import { SOCKET_PATH } from '@switchboard/protocol';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  sharedRedisUrl,
  startNatsServer,
  startServiceProcess,
  waitFor,
  type ServerProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@switchboard/testing';

const dist = (service: string) => fileURLToPath(new URL(`../../${service}/dist/main.js`, import.meta.url));
export const OPERATOR_TOKEN = 'gateway-test-operator-token';
export const INTERNAL_TOKEN = 'gateway-test-internal-token';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type AdminSocket = Socket<ServerToAdminEvents, AdminToServerEvents>;

/** A socket that records every event it receives, in order. */
export interface Recorded<S extends Socket> {
  readonly socket: S;
  readonly events: { name: string; payload: any }[];
  of(name: string): any[];
  /** Waits until `count` events named `name` arrived, and returns them. */
  waitFor(name: string, count?: number, timeoutMs?: number): Promise<any[]>;
  close(): void;
}

function record<S extends Socket>(socket: S): Recorded<S> {
  const events: { name: string; payload: any }[] = [];
  socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
  const of = (name: string) => events.filter((e) => e.name === name).map((e) => e.payload);
  return {
    socket,
    events,
    of,
    waitFor: (name, count = 1, timeoutMs = 5000) =>
      waitFor(() => (of(name).length >= count ? of(name) : undefined), { timeoutMs, message: `${count} × ${name}` }),
    close: () => void socket.close(),
  };
}

export interface GatewayStackOptions {
  readonly nodes?: number;
  /** Extra environment for every gateway node. */
  readonly gatewayEnv?: Record<string, string>;
  /** A Redis of the test's own (one it may stop); by default the shared one. */
  readonly redisUrl?: string;
  /** A nats-server shared with other stacks (not stopped with this one); by default a private one. */
  readonly nats?: ServerProcess;
  /** The `NATS_URL` the services get (e.g. with credentials in it). @default nats.url */
  readonly natsUrl?: string;
  /** Extra environment for the messages service. */
  readonly messagesEnv?: Record<string, string>;
}

/**
 * The real stack on this machine: a test database, a private nats-server, the shared Redis under a unique key
 * prefix, the messages service and N gateway nodes, each a process of its own (two uWS Socket.IO servers in one
 * process cross-deliver).
 */
export interface GatewayStack extends AsyncDisposable {
  readonly database: TestDatabase;
  readonly nats: ServerProcess;
  readonly messages: ServiceProcess;
  readonly nodes: ServiceProcess[];
  readonly redisPrefix: string;
  readonly redis: Redis;
  /** `readyPath: '/healthz'` for a node that is not expected to become ready. */
  startNode(env?: Record<string, string>, options?: { readyPath?: string }): Promise<ServiceProcess>;
  createApp(name?: string): Promise<CreatedApp>;
  rest(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }>;
  openConversation(app: CreatedApp, deviceId: string): Promise<{ id: string }>;
  client(url: string, app: CreatedApp, deviceId: string, options?: { autoConnect?: boolean; reconnection?: boolean }): Recorded<ClientSocket>;
  admin(url: string, app: CreatedApp): Recorded<AdminSocket>;
  connected<S extends Socket>(r: Recorded<S>): Promise<Recorded<S>>;
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const database = await createTestDatabase();
  const nats = options.nats ?? (await startNatsServer());
  const natsUrl = options.natsUrl ?? nats.url;
  const redisPrefix = `sbtest-${randomBytes(4).toString('hex')}`;
  const redisUrl = options.redisUrl ?? sharedRedisUrl();
  const redis = new Redis(redisUrl);
  redis.on('error', () => {});
  const messages = await startServiceProcess({
    script: dist('messages'),
    portVariable: 'MESSAGES_PORT',
    env: {
      DATABASE_URL: database.url,
      NATS_URL: natsUrl,
      MESSAGES_HOST: '127.0.0.1',
      OPERATOR_TOKEN,
      INTERNAL_TOKEN,
      LOG_LEVEL: 'warn',
      OUTBOX_POLL_INTERVAL_MS: '200',
      ...options.messagesEnv,
    },
  });
  const nodes: ServiceProcess[] = [];
  const sockets: Socket[] = [];
  let nodeCount = 0;

  const startNode = async (env: Record<string, string> = {}, startOptions: { readyPath?: string } = {}) => {
    nodeCount++;
    const node = await startServiceProcess({
      script: dist('gateway'),
      portVariable: 'GATEWAY_PORT',
      ...startOptions,
      env: {
        REDIS_URL: redisUrl,
        NATS_URL: natsUrl,
        MESSAGES_URL: messages.url,
        INTERNAL_TOKEN,
        GATEWAY_HOST: '127.0.0.1',
        REDIS_KEY_PREFIX: redisPrefix,
        NODE_ID: `node-${nodeCount}`,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        ...options.gatewayEnv,
        ...env,
      },
    });
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < (options.nodes ?? 1); i++) await startNode();

  const rest = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(new URL(path, messages.url), {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const socketOptions = (auth: object, extra: { autoConnect?: boolean; reconnection?: boolean } = {}) => ({
    path: SOCKET_PATH,
    transports: ['websocket'],
    auth,
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    ...extra,
  });

  return {
    database,
    nats,
    messages,
    nodes,
    redisPrefix,
    redis,
    startNode,
    rest,
    async createApp(name = 'app') {
      const response = await rest('POST', '/v1/apps', { Authorization: `Bearer ${OPERATOR_TOKEN}` }, { name });
      if (response.status !== 201) throw new Error(`createApp: ${response.status}`);
      return response.body;
    },
    async openConversation(app, deviceId) {
      const response = await rest('POST', '/v1/conversations', { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key });
      return response.body;
    },
    client(url, app, deviceId, extra) {
      const socket: ClientSocket = io(`${url}/client`, socketOptions({ app_id: app.id, device_id: deviceId, api_key: app.api_key }, extra));
      sockets.push(socket);
      return record(socket);
    },
    admin(url, app) {
      const socket: AdminSocket = io(`${url}/admin`, socketOptions({ app_id: app.id, admin_token: app.admin_token }));
      sockets.push(socket);
      return record(socket);
    },
    async connected(r) {
      await r.waitFor('connected');
      return r;
    },
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.close();
      for (const node of nodes) await node[Symbol.asyncDispose]();
      await messages[Symbol.asyncDispose]();
      if (!options.nats) await nats[Symbol.asyncDispose]();
      await database.drop();
      await deleteKeysWithPrefix(redis, redisPrefix);
      await redis.quit();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
