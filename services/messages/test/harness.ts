import { sql, type Kysely } from 'kysely';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { CreatedApp } from '@switchboard/protocol';
import { MESSAGES_STREAM } from '@switchboard/protocol';
import { createLogger, type Logger } from '@switchboard/logger';
import { createTestDatabase, startNatsServer, TEST_LIMITS, type ServerProcess, type TestDatabase } from '@switchboard/testing';
import { startMessagesService, type MessagesService } from '../src/app.js';
import { loadMessagesConfig } from '../src/config.js';
import { createPostgresDatabase } from '../src/db/postgres.js';
import { createMessagesDeps } from '../src/deps.js';
import type { Database } from '../src/db/schema.js';
import type { RateLimiter } from '../src/rate-limit/rate-limiter.js';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export function testLogger(): Logger {
  return createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export interface Response<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A small JSON client for the REST API. `body` may be a string to send it raw. */
export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Response<T>> {
  const init: RequestInit = { method, headers: { ...options.headers } };
  if (options.body !== undefined) {
    init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(path, baseUrl), init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (metrics): keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

export interface Caller {
  readonly headers: Record<string, string>;
  get<T = any>(path: string): Promise<Response<T>>;
  post<T = any>(path: string, body?: unknown): Promise<Response<T>>;
  patch<T = any>(path: string, body?: unknown): Promise<Response<T>>;
}

export function caller(baseUrl: string, headers: Record<string, string>): Caller {
  return {
    headers,
    get: (path) => request(baseUrl, 'GET', path, { headers }),
    post: (path, body) => request(baseUrl, 'POST', path, { headers, body }),
    patch: (path, body) => request(baseUrl, 'PATCH', path, { headers, body }),
  };
}

export const deviceHeaders = (app: CreatedApp, deviceId: string) => ({
  'X-App-Id': app.id,
  'X-Device-Id': deviceId,
  'X-Api-Key': app.api_key,
});

export const agentHeaders = (app: CreatedApp) => ({ Authorization: `Bearer ${app.admin_token}` });

export interface StartOptions {
  readonly operatorToken?: string | undefined;
  readonly allowedOrigins?: readonly string[];
  readonly internalToken?: string;
  readonly outboxPollIntervalMs?: number;
  readonly rateLimiter?: RateLimiter;
  /** More environment for the service (e.g. its limits). */
  readonly env?: Record<string, string>;
  /** Where the replica logs (e.g. a capture, to grep it for secrets); default: silent unless TEST_LOG_LEVEL. */
  readonly logger?: Logger;
}

/**
 * One messages service on port 0 against a test database and a private nats-server, with helpers. Extra
 * replicas on the same database and NATS come from `startReplica()`.
 */
export interface MessagesHarness extends AsyncDisposable {
  readonly database: TestDatabase;
  readonly nats: ServerProcess;
  readonly db: Kysely<Database>;
  readonly service: MessagesService;
  readonly url: string;
  /** `OPERATOR_TOKEN`: with `url`, the operator API (`addIdentityKey(h, appId)`). */
  readonly operatorToken: string;
  createApp(name?: string): Promise<CreatedApp>;
  device(app: CreatedApp, deviceId: string): Caller;
  agent(app: CreatedApp): Caller;
  startReplica(options?: StartOptions): Promise<Replica>;
  count(table: keyof Database): Promise<number>;
}

export interface Replica extends AsyncDisposable {
  readonly service: MessagesService;
  readonly url: string;
  close(): Promise<void>;
  /** Ends the relay's Postgres session and the NATS connection as a crash would, without closing the service. */
  crash(): Promise<void>;
}

export async function startMessagesHarness(options: StartOptions = {}): Promise<MessagesHarness> {
  const database = await createTestDatabase();
  const nats = await startNatsServer();
  const { db } = createPostgresDatabase({ connectionString: database.url, poolSize: 5, logger: testLogger() });
  const replicas: Replica[] = [];

  const startReplica = async (replicaOptions: StartOptions = options): Promise<Replica> => {
    const logger = replicaOptions.logger ?? testLogger();
    const operatorToken = 'operatorToken' in replicaOptions ? replicaOptions.operatorToken : OPERATOR_TOKEN;
    const config = loadMessagesConfig({
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      MESSAGES_PORT: '0',
      MESSAGES_HOST: '127.0.0.1',
      OUTBOX_POLL_INTERVAL_MS: String(replicaOptions.outboxPollIntervalMs ?? 200),
      // Tests all come from 127.0.0.1: generous per-address limits (the stack's), unless a test passes its own.
      ...TEST_LIMITS.messages,
      ...replicaOptions.env,
      ...(operatorToken ? { OPERATOR_TOKEN: operatorToken } : {}),
      ...(replicaOptions.internalToken ? { INTERNAL_TOKEN: replicaOptions.internalToken } : {}),
      ...(replicaOptions.allowedOrigins ? { ALLOWED_ORIGINS: replicaOptions.allowedOrigins.join(',') } : {}),
    });
    const deps = createMessagesDeps(config, { logger, fail: (error) => logger.error({ err: error }, 'configuration error'), natsName: 'test-messages' });
    // A test's own limiter replaces the configured one (`API_RATE_PER_SECOND`, the generous TEST_LIMITS by default).
    const service = await startMessagesService(config, { ...deps, rateLimiter: replicaOptions.rateLimiter ?? deps.rateLimiter });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await service.close();
      await deps.close();
    };
    const replica: Replica = {
      service,
      url: service.url,
      close,
      crash: async () => {
        await deps.coordinator.close();
        await (await deps.nats!).close();
      },
      [Symbol.asyncDispose]: close,
    };
    replicas.push(replica);
    return replica;
  };

  const first = await startReplica(options);
  const url = first.url;

  return {
    database,
    nats,
    db,
    service: first.service,
    url,
    operatorToken: OPERATOR_TOKEN,
    async createApp(name = 'test-app') {
      const response = await request<CreatedApp>(url, 'POST', '/v1/apps', {
        headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
        body: { name },
      });
      if (response.status !== 201) throw new Error(`createApp: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    device: (app, deviceId) => caller(url, deviceHeaders(app, deviceId)),
    agent: (app) => caller(url, agentHeaders(app)),
    startReplica,
    async count(table) {
      const row = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
      return Number(row.rows[0]!.n);
    },
    async [Symbol.asyncDispose]() {
      for (const replica of replicas.reverse()) await replica.close().catch(() => {});
      await db.destroy();
      await nats[Symbol.asyncDispose]();
      await database.drop();
    },
  };
}

export interface StreamEntry {
  readonly seq: number;
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly data: any;
}

/** Every message a stream holds (default `MESSAGES`), in stream order. */
export async function readStream(natsUrl: string, stream: string = MESSAGES_STREAM.name): Promise<StreamEntry[]> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const entries: StreamEntry[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (!message) continue;
      entries.push({ seq, subject: message.subject, msgId: message.header?.get('Nats-Msg-Id'), data: message.json() });
    }
    return entries;
  } finally {
    await nc.close();
  }
}
