import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { CreatedApp, Message } from '@switchboard/protocol';
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

const dist = (service: string) => fileURLToPath(new URL(`../../services/${service}/dist/main.js`, import.meta.url));
const OPERATOR_TOKEN = 'sdk-test-operator-token';
const INTERNAL_TOKEN = 'sdk-test-internal-token';

/**
 * The stack the SDK tests run against: a test database, a private nats-server, the shared Redis under a unique
 * prefix, the messages service and one gateway, each a process of its own. The messages service can be killed and
 * started again on the same port (the gateway keeps its `MESSAGES_URL`).
 */
export interface SdkStack extends AsyncDisposable {
  readonly gatewayUrl: string;
  readonly apiUrl: string;
  readonly gateway: ServiceProcess;
  messages(): ServiceProcess;
  /** SIGKILLs the messages service and waits for it to be gone. */
  killMessages(): Promise<void>;
  /** Starts it again on its port; resolves once its `/readyz` answers 200, with that moment (`Date.now()`). */
  restartMessages(): Promise<number>;
  createApp(name?: string): Promise<CreatedApp>;
  openConversation(app: CreatedApp, deviceId: string): Promise<{ id: string }>;
  /** Sends as the app's agent over REST. */
  agentSend(app: CreatedApp, conversationId: string, body: string): Promise<Message>;
}

export async function startSdkStack(options: { gatewayEnv?: Record<string, string> } = {}): Promise<SdkStack> {
  const database: TestDatabase = await createTestDatabase('sb_sdk');
  const nats: ServerProcess = await startNatsServer();
  const redisPrefix = `sbsdk-${randomBytes(4).toString('hex')}`;
  const redisUrl = sharedRedisUrl();
  const messagesEnv = {
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    MESSAGES_HOST: '127.0.0.1',
    OPERATOR_TOKEN,
    INTERNAL_TOKEN,
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_INTERVAL_MS: '200',
  };
  let messages = await startServiceProcess({ script: dist('messages'), portVariable: 'MESSAGES_PORT', env: messagesEnv });
  const gateway = await startServiceProcess({
    script: dist('gateway'),
    portVariable: 'GATEWAY_PORT',
    env: {
      REDIS_URL: redisUrl,
      NATS_URL: nats.url,
      MESSAGES_URL: messages.url,
      INTERNAL_TOKEN,
      GATEWAY_HOST: '127.0.0.1',
      REDIS_KEY_PREFIX: redisPrefix,
      NODE_ID: 'sdk-node',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...options.gatewayEnv,
    },
  });
  const apiUrl = messages.url;

  const rest = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(new URL(path, apiUrl), {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  return {
    gatewayUrl: gateway.url,
    apiUrl,
    gateway,
    messages: () => messages,
    async killMessages() {
      messages.signal('SIGKILL');
      await messages.exited;
    },
    async restartMessages() {
      messages = await startServiceProcess({ script: dist('messages'), portVariable: 'MESSAGES_PORT', port: messages.port, env: messagesEnv });
      return Date.now();
    },
    createApp: (name = 'sdk') => rest('POST', '/v1/apps', { Authorization: `Bearer ${OPERATOR_TOKEN}` }, { name }),
    openConversation: (app, deviceId) => rest('POST', '/v1/conversations', { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key }),
    agentSend: (app, conversationId, body) =>
      rest('POST', `/v1/conversations/${conversationId}/messages`, { Authorization: `Bearer ${app.admin_token}` }, { body, local_id: randomBytes(8).toString('hex') }),
    async [Symbol.asyncDispose]() {
      await gateway[Symbol.asyncDispose]();
      await messages[Symbol.asyncDispose]();
      await nats[Symbol.asyncDispose]();
      await database.drop();
      const redis = new Redis(redisUrl);
      redis.on('error', () => {});
      await deleteKeysWithPrefix(redis, redisPrefix);
      await redis.quit();
    },
  };
}

/** Collects what a listener receives, and waits for it. */
export function collect<T>() {
  const items: T[] = [];
  return {
    items,
    push: (item: T) => void items.push(item),
    until: (predicate: (items: T[]) => boolean, message: string, timeoutMs = 10_000) =>
      waitFor(() => predicate(items), { timeoutMs, message: `${message} (have ${JSON.stringify(items).slice(0, 400)})` }).then(() => items),
  };
}

/** Rejects when `promise` does not settle within `ms`: an SDK promise that never settles fails the test, not the run. */
export function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms))]);
}
