import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  startServiceProcess,
  startStack,
  stopGracefully,
  type ServerProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@switchboard/testing';
import { pinProcess } from '../pin.js';

const BASELINE_MAIN = fileURLToPath(new URL('../baseline/baseline-main.js', import.meta.url));
const FLOOR_MAIN = fileURLToPath(new URL('../floor/floor-main.js', import.meta.url));

export const OPERATOR_TOKEN = 'load-test-operator-token-0123456789';
export const INTERNAL_TOKEN = 'load-test-internal-token-0123456789';

/** The servers a run can measure: the gateway, the plain Socket.IO baseline, and the raw uWS pub/sub floor. */
export const SERVER_KINDS = ['gateway', 'baseline', 'floor'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/**
 * The load runner opens thousands of sockets from one address (many per device in `fanout`) and sends REST writes
 * from it as fast as it measures: the connection and authentication limits (on by default) stay on, so that their
 * cost is measured, with values the runner never reaches. A run's `--gateway-env` / `--messages-env` may override them.
 */
export const LOAD_LIMITS = Object.freeze({
  gateway: { MAX_CONNECTIONS_PER_DEVICE: '1000000', AUTH_FAILURES_PER_IP_PER_MINUTE: '1000000', CONNECTIONS_PER_IP_PER_10S: '0' },
  messages: { API_RATE_PER_SECOND: '1000000', API_RATE_PER_IP_PER_SECOND: '1000000', AUTH_FAILURES_PER_IP_PER_MINUTE: '1000000' },
});

/** The Socket.IO server being measured: one process, pinned, with a /metrics endpoint. */
export interface ServerUnderTest {
  readonly kind: ServerKind;
  readonly process: ServiceProcess;
  /** Its Redis key prefix (gateway, baseline): a restart with the same one finds the same presence and sessions. */
  readonly keyPrefix: string;
  /** Where its CPU profile and heap snapshots go (with `profileDir`). */
  readonly diagnosticDir: string | undefined;
  stop(): Promise<void>;
}

export interface LoadStackOptions {
  /** CPUs of the server under test (taskset list). */
  readonly serverCpus?: string | undefined;
  /** CPUs of the helpers we own: nats-server, redis-server (the messages service floats unless `messagesCpus`). */
  readonly helperCpus?: string | undefined;
  readonly messagesCpus?: string | undefined;
  /** Directory for `--cpu-prof` / heap snapshots of the server under test; unset: no profiling. */
  readonly profileDir?: string | undefined;
  /** Another build of the gateway to measure (e.g. an older commit's `dist/main.js`), for before/after figures. */
  readonly gatewayMain?: string | undefined;
  /** Another build of the messages service (e.g. an older commit's `dist/main.js`), for before/after figures. */
  readonly messagesMain?: string | undefined;
  /** Start the server under test with its inspector on a free loopback port, so the runner can force a GC. */
  readonly inspect?: boolean;
  /** Extra environment for the gateway. */
  readonly gatewayEnv?: Record<string, string>;
  readonly messagesEnv?: Record<string, string>;
}

/**
 * The real stack, private to one load run (the shared stack of libs/testing): a fresh database on the shared
 * Postgres, a private nats-server and redis-server, the messages service, and then one server under test at a time
 * (the gateway with every feature on, the baseline, or the floor). `dispose` removes all of it.
 */
export interface LoadStack extends AsyncDisposable {
  readonly database: TestDatabase;
  readonly nats: ServerProcess;
  readonly redis: ServerProcess;
  readonly messages: ServiceProcess;
  startServer(kind: ServerKind, env?: Record<string, string>, where?: StartServerOptions): Promise<ServerUnderTest>;
}

export interface StartServerOptions {
  /** A fixed port (one below the ephemeral range, to start the server again there after a kill); default: the OS picks. */
  readonly port?: number;
  /** The Redis key prefix of a server it replaces; default: a fresh one. */
  readonly keyPrefix?: string;
}

export async function startLoadStack(options: LoadStackOptions = {}): Promise<LoadStack> {
  const stack = await startStack({
    databasePrefix: 'sb_load',
    redis: 'private',
    redisPrefix: 'sbload',
    operatorToken: OPERATOR_TOKEN,
    internalToken: INTERNAL_TOKEN,
    quickOutbox: false,
    nodes: 0,
    nodeIdPrefix: 'load',
    gracefulStop: true,
    messagesNodeArgs: options.profileDir ? await profileArgs(`${options.profileDir}/messages`) : [],
    messagesEnv: { ...LOAD_LIMITS.messages, ...options.messagesEnv },
    ...(options.messagesMain ? { messagesScript: options.messagesMain } : {}),
  });
  try {
    for (const pid of [stack.nats.pid, stack.redisServer!.pid]) if (pid) await pinProcess(pid, options.helperCpus);
    await pinProcess(stack.messages.pid, options.messagesCpus);
  } catch (error) {
    await stack[Symbol.asyncDispose]();
    throw error;
  }

  let serial = 0;
  const startServer = async (kind: ServerKind, env: Record<string, string> = {}, where: StartServerOptions = {}): Promise<ServerUnderTest> => {
    serial++;
    // A fresh key prefix per server under test (unless it replaces one).
    const prefix = where.keyPrefix ?? `sbload-${randomBytes(4).toString('hex')}`;
    const port = where.port === undefined ? {} : { port: where.port };
    const diagnosticDir = options.profileDir ? `${options.profileDir}/${kind}-${serial}` : undefined;
    const nodeArgs = [...(diagnosticDir ? await profileArgs(diagnosticDir) : []), ...(options.inspect ? ['--inspect=127.0.0.1:0'] : [])];
    const proc =
      kind === 'gateway'
        ? await stack.startNode(
            { REDIS_KEY_PREFIX: prefix, NODE_ID: `load-${serial}`, DRAIN_WINDOW_MS: '2000', ...LOAD_LIMITS.gateway, ...options.gatewayEnv, ...env },
            { nodeArgs, ...port, ...(options.gatewayMain ? { script: options.gatewayMain } : {}) },
          )
        : kind === 'baseline'
          ? await startServiceProcess({
              script: BASELINE_MAIN,
              portVariable: 'BASELINE_PORT',
              nodeArgs,
              ...port,
              env: {
                REDIS_URL: stack.redisUrl,
                NATS_URL: stack.natsUrl,
                MESSAGES_URL: stack.messages.url,
                INTERNAL_TOKEN,
                REDIS_KEY_PREFIX: prefix,
                LOG_LEVEL: 'warn',
                BASELINE_HOST: '127.0.0.1',
                ...env,
              },
            })
          : await startServiceProcess({
              script: FLOOR_MAIN,
              portVariable: 'FLOOR_PORT',
              nodeArgs,
              ...port,
              env: { NATS_URL: stack.natsUrl, MESSAGES_URL: stack.messages.url, INTERNAL_TOKEN, FLOOR_HOST: '127.0.0.1', ...env },
            });
    await pinProcess(proc.pid, options.serverCpus);
    return { kind, process: proc, keyPrefix: prefix, diagnosticDir, stop: () => stopGracefully(proc) };
  };

  return {
    database: stack.database,
    nats: stack.nats,
    redis: stack.redisServer!,
    messages: stack.messages,
    startServer,
    [Symbol.asyncDispose]: () => stack[Symbol.asyncDispose](),
  };
}

async function profileArgs(target: string): Promise<string[]> {
  await mkdir(target, { recursive: true });
  // A CPU profile written at exit, and a heap snapshot on SIGUSR2 (both into `target`).
  return ['--cpu-prof', `--cpu-prof-dir=${target}`, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${target}`];
}
