import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { Redis } from 'ioredis';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { SOCKET_PATH } from '@switchboard/protocol';
import { freePort } from './free-port.js';
import { addIdentityKey, type IdentityKey } from './identity-tokens.js';
import { startNatsServer } from './nats.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import type { ServerProcess } from './process-server.js';
import { record, type AdminSocket, type ClientSocket, type Recorded } from './recorded-socket.js';
import { deleteKeysWithPrefix, sharedRedisUrl, startRedisServer } from './redis.js';
import { serviceScript } from './service-script.js';
import { startServiceProcess, stopGracefully, type ServiceProcess } from './service-process.js';

/**
 * Every test comes from 127.0.0.1, so the per-address limits (on by default in production) would make one test's
 * deliberate failures or REST calls refuse the next test's: the stack starts the services with these generous
 * values instead (still on, so the code path runs), unless a test passes its own in `messagesEnv` / `gatewayEnv`.
 */
export const TEST_LIMITS = Object.freeze({
  messages: { AUTH_FAILURES_PER_IP_PER_MINUTE: '100000', API_RATE_PER_SECOND: '1000', API_RATE_PER_IP_PER_SECOND: '100000' },
  gateway: { AUTH_FAILURES_PER_IP_PER_MINUTE: '100000' },
});

export interface StackOptions {
  /** Start of the test database's name. @default 'sb_test' */
  readonly databasePrefix?: string;
  /** The admin URL of the Postgres to create the test database on (a private server). @default the shared one */
  readonly postgresUrl?: string;
  /** A nats-server shared with other stacks (not stopped with this one); by default a private one. */
  readonly nats?: ServerProcess;
  /** The `NATS_URL` the services get (e.g. with credentials in it). @default nats.url */
  readonly natsUrl?: string;
  /**
   * The Redis: `'private'` for a redis-server of the stack's own, or the URL of one the test owns (one it may stop).
   * @default the shared Redis (keys under the stack's unique prefix, deleted at the end)
   */
  readonly redis?: 'private' | string;
  /** Start of the stack's unique `REDIS_KEY_PREFIX`. @default 'sbtest' */
  readonly redisPrefix?: string;
  /** @default 'test-operator-token' */
  readonly operatorToken?: string;
  /** @default 'test-internal-token' */
  readonly internalToken?: string;
  /** The messages service's outbox relay polls every 200 ms, so a test sees events soon; false: its own default. @default true */
  readonly quickOutbox?: boolean;
  /** Extra environment for the messages service. */
  readonly messagesEnv?: Record<string, string>;
  /** Node options of the messages service (e.g. `--cpu-prof`). */
  readonly messagesNodeArgs?: readonly string[];
  /** Gateway nodes started with the stack. @default 1 */
  readonly nodes?: number;
  /** Extra environment for every gateway node. */
  readonly gatewayEnv?: Record<string, string>;
  /** Gateway nodes are `NODE_ID` `<prefix>-1`, `<prefix>-2`, … @default 'node' */
  readonly nodeIdPrefix?: string;
  /** The gateway's entry script. @default the built `@switchboard/gateway` */
  readonly gatewayScript?: string;
  /** The messages service's entry script. @default the built `@switchboard/messages` */
  readonly messagesScript?: string;
  /** Stop the processes with SIGTERM (a CPU profile is written at exit) instead of SIGKILL. @default false */
  readonly gracefulStop?: boolean;
  /**
   * Start the webhooks service too (after the gateways), on the stack's database, NATS and Redis prefix, with
   * `WEBHOOKS_ALLOW_INSECURE=true` (receivers are local); an object adds to its environment. @default false
   */
  readonly webhooks?: boolean | { readonly env?: Record<string, string> };
  /** The webhooks service's entry script. @default the built `@switchboard/webhooks` */
  readonly webhooksScript?: string;
}

export interface StartNodeOptions {
  /** `'/healthz'` for a node that is not expected to become ready. */
  readonly readyPath?: string;
  readonly nodeArgs?: readonly string[];
  /** Another gateway build (e.g. an older commit's `dist/main.js`): it gets a fixed port, having no port report. */
  readonly script?: string;
  /** A fixed port (a node started again where a balancer expects it). */
  readonly port?: number;
}

export type RestResponse = { readonly status: number; readonly body: any };

/**
 * The real stack on this machine, every part unique to one test file or run: a test database, NATS (private or
 * shared), Redis (shared under a unique key prefix, or private), the messages service and N gateway nodes, each a
 * process of its own on a port the OS picked (two uWS Socket.IO servers in one process cross-deliver). Disposing
 * it stops and removes all it started, sockets included.
 */
export interface Stack extends AsyncDisposable {
  readonly database: TestDatabase;
  readonly nats: ServerProcess;
  /** The `NATS_URL` the services got. */
  readonly natsUrl: string;
  /** The stack's own redis-server (`redis: 'private'`). */
  readonly redisServer: ServerProcess | undefined;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  /** A client of the stack's Redis. */
  readonly redis: Redis;
  readonly operatorToken: string;
  readonly internalToken: string;
  /** The messages service now (`restartMessages` replaces it). */
  readonly messages: ServiceProcess;
  /** The gateway nodes started so far, in order. */
  readonly nodes: ServiceProcess[];
  /** The webhooks service now (`webhooks` option; `restartWebhooks` replaces it). */
  readonly webhooks: ServiceProcess | undefined;
  /** Starts the webhooks service again on its port (after it was killed); resolves once it is ready. */
  restartWebhooks(): Promise<ServiceProcess>;
  /** An operator request to the webhooks service (`Authorization: Bearer` the stack's operator token). */
  webhooksRest(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RestResponse>;
  /** Starts one more gateway node; `env` adds to (or overrides) the stack's. */
  startNode(env?: Record<string, string>, options?: StartNodeOptions): Promise<ServiceProcess>;
  /** Starts the messages service again on its port (after it was killed); resolves once it is ready. */
  restartMessages(): Promise<ServiceProcess>;
  /** Starts one more messages service replica on the same database and NATS (stopped with the stack); `env` adds to its environment. */
  startMessagesReplica(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops a process of the stack the way the stack does (SIGKILL, or SIGTERM with `gracefulStop`). */
  stop(process: ServiceProcess): Promise<void>;
  /** A JSON request to the messages service. */
  rest(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<RestResponse>;
  createApp(name?: string): Promise<CreatedApp>;
  /** Adds an identity key to the app through the operator API (`addIdentityKey`), to sign its users' and agents' tokens with. */
  addIdentityKey(app: CreatedApp, alg?: 'HS256' | 'ES256'): Promise<IdentityKey>;
  openConversation(app: CreatedApp, deviceId: string): Promise<{ id: string }>;
  /** Sends as the app's agent over REST. */
  agentSend(app: CreatedApp, conversationId: string, body: string): Promise<Message>;
  /** A `/client` socket of the device; `userToken` signs a user in on it (`user_token` in the auth). */
  client(url: string, app: CreatedApp, deviceId: string, options?: { autoConnect?: boolean; reconnection?: boolean; userToken?: string }): Recorded<ClientSocket>;
  admin(url: string, app: CreatedApp): Recorded<AdminSocket>;
  /** Resolves once the socket got its `connected` event. */
  connected<S extends Socket>(r: Recorded<S>): Promise<Recorded<S>>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const dispose = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`stack cleanup: ${String(error)}\n`));
  };
  try {
    return await build(options, cleanups, dispose);
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function build(options: StackOptions, cleanups: (() => Promise<unknown>)[], dispose: () => Promise<void>): Promise<Stack> {
  const operatorToken = options.operatorToken ?? 'test-operator-token';
  const internalToken = options.internalToken ?? 'test-internal-token';
  const stop = async (proc: ServiceProcess): Promise<void> => (options.gracefulStop ? stopGracefully(proc) : proc[Symbol.asyncDispose]());

  const database = await createTestDatabase(options.databasePrefix, options.postgresUrl);
  cleanups.push(() => database.drop());
  const nats = options.nats ?? (await startNatsServer());
  if (!options.nats) cleanups.push(async () => nats[Symbol.asyncDispose]());
  const natsUrl = options.natsUrl ?? nats.url;
  const redisServer = options.redis === 'private' ? await startRedisServer() : undefined;
  if (redisServer) cleanups.push(async () => redisServer[Symbol.asyncDispose]());
  const redisUrl = redisServer?.url ?? options.redis ?? sharedRedisUrl();
  const redisPrefix = `${options.redisPrefix ?? 'sbtest'}-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(redisUrl);
  redis.on('error', () => {});
  cleanups.push(async () => {
    if (!redisServer) await deleteKeysWithPrefix(redis, redisPrefix);
    await redis.quit();
  });

  const messagesOptions = {
    script: options.messagesScript ?? serviceScript('@switchboard/messages'),
    portVariable: 'MESSAGES_PORT',
    nodeArgs: options.messagesNodeArgs ?? [],
    env: {
      DATABASE_URL: database.url,
      NATS_URL: natsUrl,
      MESSAGES_HOST: '127.0.0.1',
      OPERATOR_TOKEN: operatorToken,
      INTERNAL_TOKEN: internalToken,
      LOG_LEVEL: 'warn',
      ...TEST_LIMITS.messages,
      ...(options.quickOutbox === false ? {} : { OUTBOX_POLL_INTERVAL_MS: '200' }),
      ...options.messagesEnv,
    },
  };
  let messages = await startServiceProcess(messagesOptions);
  cleanups.push(() => stop(messages));

  const nodes: ServiceProcess[] = [];
  const sockets: Socket[] = [];
  cleanups.push(async () => {
    for (const socket of sockets) socket.close();
    for (const node of nodes) await stop(node);
  });
  const startNode = async (env: Record<string, string> = {}, nodeOptions: StartNodeOptions = {}) => {
    const node = await startServiceProcess({
      ...(nodeOptions.port ? { port: nodeOptions.port } : nodeOptions.script ? { port: await freePort() } : {}),
      script: nodeOptions.script ?? options.gatewayScript ?? serviceScript('@switchboard/gateway'),
      portVariable: 'GATEWAY_PORT',
      ...(nodeOptions.readyPath ? { readyPath: nodeOptions.readyPath } : {}),
      ...(nodeOptions.nodeArgs ? { nodeArgs: nodeOptions.nodeArgs } : {}),
      env: {
        REDIS_URL: redisUrl,
        NATS_URL: natsUrl,
        MESSAGES_URL: messages.url,
        INTERNAL_TOKEN: internalToken,
        GATEWAY_HOST: '127.0.0.1',
        REDIS_KEY_PREFIX: redisPrefix,
        NODE_ID: `${options.nodeIdPrefix ?? 'node'}-${nodes.length + 1}`,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        ...TEST_LIMITS.gateway,
        ...options.gatewayEnv,
        ...env,
      },
    });
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < (options.nodes ?? 1); i++) await startNode();

  const webhooksOptions = options.webhooks
    ? {
        script: options.webhooksScript ?? serviceScript('@switchboard/webhooks'),
        portVariable: 'WEBHOOKS_PORT',
        env: {
          DATABASE_URL: database.url,
          NATS_URL: natsUrl,
          REDIS_URL: redisUrl,
          REDIS_KEY_PREFIX: redisPrefix,
          WEBHOOKS_HOST: '127.0.0.1',
          OPERATOR_TOKEN: operatorToken,
          WEBHOOKS_ALLOW_INSECURE: 'true',
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
          ...(typeof options.webhooks === 'object' ? options.webhooks.env : {}),
        },
      }
    : undefined;
  let webhooks = webhooksOptions && (await startServiceProcess(webhooksOptions));
  cleanups.push(async () => webhooks && stop(webhooks));

  const requestTo = async (base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<RestResponse> => {
    const response = await fetch(new URL(path, base), {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const rest = (method: string, path: string, headers: Record<string, string>, body?: unknown) => requestTo(messages.url, method, path, headers, body);
  const webhooksUrl = () => {
    if (!webhooks) throw new Error('the stack was started without the webhooks service (option webhooks)');
    return webhooks.url;
  };
  const ok = async (what: string, response: Promise<RestResponse>) => {
    const { status, body } = await response;
    if (status < 200 || status > 299) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
    return body;
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
    natsUrl,
    redisServer,
    redisUrl,
    redisPrefix,
    redis,
    operatorToken,
    internalToken,
    get messages() {
      return messages;
    },
    nodes,
    get webhooks() {
      return webhooks;
    },
    async restartWebhooks() {
      if (!webhooksOptions || !webhooks) throw new Error('the stack was started without the webhooks service (option webhooks)');
      webhooks = await startServiceProcess({ ...webhooksOptions, port: webhooks.port });
      return webhooks;
    },
    webhooksRest: (method, path, body, headers = { Authorization: `Bearer ${operatorToken}` }) => requestTo(webhooksUrl(), method, path, headers, body),
    startNode,
    async restartMessages() {
      messages = await startServiceProcess({ ...messagesOptions, port: messages.port });
      return messages;
    },
    async startMessagesReplica(env = {}) {
      const replica = await startServiceProcess({ ...messagesOptions, env: { ...messagesOptions.env, ...env } });
      cleanups.push(() => stop(replica));
      return replica;
    },
    stop,
    rest,
    createApp: (name = 'app') => ok('createApp', rest('POST', '/v1/apps', { Authorization: `Bearer ${operatorToken}` }, { name })),
    addIdentityKey: (app, alg) => addIdentityKey({ url: messages.url, operatorToken }, app.id, alg),
    openConversation: (app, deviceId) =>
      ok('openConversation', rest('POST', '/v1/conversations', { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key })),
    agentSend: (app, conversationId, body) =>
      ok(
        'agentSend',
        rest('POST', `/v1/conversations/${conversationId}/messages`, { Authorization: `Bearer ${app.admin_token}` }, { body, local_id: randomBytes(8).toString('hex') }),
      ),
    client(url, app, deviceId, { userToken, ...extra } = {}) {
      const auth = { app_id: app.id, device_id: deviceId, api_key: app.api_key, ...(userToken ? { user_token: userToken } : {}) };
      const socket: ClientSocket = io(`${url}/client`, socketOptions(auth, extra));
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
    [Symbol.asyncDispose]: dispose,
  };
}
