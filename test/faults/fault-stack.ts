import pg from 'pg';
import {
  freeStablePort,
  startNatsServer,
  startPostgresServer,
  startRedisServer,
  startStack,
  startTcpBalancer,
  type PostgresServer,
  type ServerProcess,
  type ServiceProcess,
  type Stack,
  type TcpBalancer,
} from '@switchboard/testing';
import type { StoredRow } from './ledger.js';

export interface FaultStackOptions {
  /** A private Postgres cluster (one the test may restart) instead of a database on the shared server. */
  readonly privatePostgres?: boolean;
  /** Messages service replicas behind their own balancer (the gateways and the SDK's REST go through it). @default 1 */
  readonly messagesReplicas?: number;
  /** Extra environment for both gateways. */
  readonly gatewayEnv?: Record<string, string>;
}

/**
 * The stack a fault scenario breaks: private nats-server and redis-server (and Postgres, when asked) on ports below
 * the ephemeral range, so they can be stopped and started again where the services expect them; the messages
 * service (one replica, or several behind a balancer); two gateways on fixed ports behind a TCP balancer, the
 * clients' ingress.
 */
export interface FaultStack extends AsyncDisposable {
  readonly stack: Stack;
  readonly nats: ServerProcess;
  readonly redis: ServerProcess;
  readonly postgres: PostgresServer | undefined;
  /** Where the SDK connects: a balancer over both gateways. */
  readonly ingress: TcpBalancer;
  /** Where the SDK's REST calls go (the messages service, or its replicas' balancer). */
  readonly apiUrl: string;
  /** Messages service replicas (the first is `stack.messages`, replaced by `stack.restartMessages()`). */
  readonly replicas: ServiceProcess[];
  /** The gateways now, by slot (a restarted one takes its slot's port). */
  readonly gateways: ServiceProcess[];
  /** Starts the gateway of a slot again on its port (after it was killed or drained); resolves once it is ready. */
  restartGateway(slot: number): Promise<ServiceProcess>;
  /** Every message of these conversations, as Postgres has them. */
  storedRows(conversationIds: readonly string[]): Promise<StoredRow[]>;
  /** A query on the test database (a fresh connection each time: the server may have restarted). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const owned: AsyncDisposable[] = [];
  const disposeOwned = async () => {
    for (const item of owned.splice(0).reverse()) await Promise.resolve(item[Symbol.asyncDispose]()).catch(() => {});
  };
  try {
    const nats = await startNatsServer({ port: await freeStablePort() });
    owned.push(nats);
    const redis = await startRedisServer({ port: await freeStablePort() });
    owned.push(redis);
    const postgres = options.privatePostgres ? await startPostgresServer() : undefined;
    if (postgres) owned.push(postgres);
    const stack = await startStack({
      databasePrefix: 'sb_faults',
      redisPrefix: 'sbfaults',
      nats,
      redis: redis.url,
      nodes: 0,
      ...(postgres ? { postgresUrl: postgres.url } : {}),
    });
    owned.push(stack);
    const replicas: ServiceProcess[] = [stack.messages];
    for (let i = 1; i < (options.messagesReplicas ?? 1); i++) {
      replicas.push(await stack.startMessagesReplica({ DATABASE_URL: withApplicationName(stack.database.url, `replica-${i + 1}`) }));
    }
    const messagesIngress = replicas.length > 1 ? await startTcpBalancer(replicas.map((r) => r.port)) : undefined;
    if (messagesIngress) owned.push(messagesIngress);
    const messagesUrl = messagesIngress?.url ?? stack.messages.url;

    const ports = [await freeStablePort(), await freeStablePort()];
    const gatewayEnv = { MESSAGES_URL: messagesUrl, DRAIN_WINDOW_MS: '3000', ...options.gatewayEnv };
    const gateways: ServiceProcess[] = [];
    for (const port of ports) gateways.push(await stack.startNode(gatewayEnv, { port }));
    const ingress = await startTcpBalancer(ports);
    owned.push(ingress);

    const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
      const client = new pg.Client({ connectionString: stack.database.url });
      client.on('error', () => {});
      await client.connect();
      try {
        return (await client.query<R>(text, values)).rows;
      } finally {
        await client.end();
      }
    };
    return {
      stack,
      nats,
      redis,
      postgres,
      ingress,
      apiUrl: messagesUrl,
      replicas,
      gateways,
      async restartGateway(slot) {
        const node = await stack.startNode(gatewayEnv, { port: ports[slot]! });
        gateways[slot] = node;
        return node;
      },
      storedRows: (conversationIds) =>
        query<StoredRow>('SELECT id, conversation_id, seq, local_id FROM messages WHERE conversation_id = ANY($1) ORDER BY conversation_id, seq', [conversationIds]),
      query,
      [Symbol.asyncDispose]: disposeOwned,
    };
  } catch (error) {
    await disposeOwned();
    throw error;
  }
}

/** The database URL with an `application_name`, so `pg_stat_activity` tells which replica a session is. */
export function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}
