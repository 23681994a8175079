import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  startNatsServer,
  startRedisServer,
  startServiceProcess,
  type ServerProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@switchboard/testing';
import { pinProcess } from '../pin.js';

const repoFile = (relative: string) => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
const GATEWAY_MAIN = repoFile('services/gateway/dist/main.js');
const MESSAGES_MAIN = repoFile('services/messages/dist/main.js');
const BASELINE_MAIN = fileURLToPath(new URL('../baseline/baseline-main.js', import.meta.url));

export const OPERATOR_TOKEN = 'load-test-operator-token-0123456789';
export const INTERNAL_TOKEN = 'load-test-internal-token-0123456789';

export type ServerKind = 'gateway' | 'baseline';

/** The Socket.IO server being measured: one process, pinned, with a /metrics endpoint. */
export interface ServerUnderTest {
  readonly kind: ServerKind;
  readonly process: ServiceProcess;
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
  /** Start the server under test with its inspector on a free loopback port, so the runner can force a GC. */
  readonly inspect?: boolean;
  /** Extra environment for the gateway. */
  readonly gatewayEnv?: Record<string, string>;
  readonly messagesEnv?: Record<string, string>;
}

/**
 * The real stack, private to one load run: a fresh database on the shared Postgres, a private nats-server and
 * redis-server on free ports, the messages service, and then one server under test at a time (the gateway with
 * every feature on, or the baseline). `dispose` removes all of it.
 */
export interface LoadStack extends AsyncDisposable {
  readonly database: TestDatabase;
  readonly nats: ServerProcess;
  readonly redis: ServerProcess;
  readonly messages: ServiceProcess;
  startServer(kind: ServerKind, env?: Record<string, string>): Promise<ServerUnderTest>;
}

export async function startLoadStack(options: LoadStackOptions = {}): Promise<LoadStack> {
  const database = await createTestDatabase('sb_load');
  const cleanups: (() => Promise<void>)[] = [() => database.drop()];
  const dispose = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  };
  try {
    const nats = await startNatsServer();
    cleanups.push(async () => nats[Symbol.asyncDispose]());
    const redis = await startRedisServer();
    cleanups.push(async () => redis[Symbol.asyncDispose]());
    for (const pid of [nats.pid, redis.pid]) if (pid) await pinProcess(pid, options.helperCpus);

    const messages = await startServiceProcess({
      script: MESSAGES_MAIN,
      portVariable: 'MESSAGES_PORT',
      nodeArgs: options.profileDir ? await profileArgs(`${options.profileDir}/messages`) : [],
      env: {
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        MESSAGES_HOST: '127.0.0.1',
        OPERATOR_TOKEN,
        INTERNAL_TOKEN,
        LOG_LEVEL: 'warn',
        ...options.messagesEnv,
      },
    });
    cleanups.push(() => stopService(messages));
    await pinProcess(messages.pid, options.messagesCpus);

    let serial = 0;
    const startServer = async (kind: ServerKind, env: Record<string, string> = {}): Promise<ServerUnderTest> => {
      serial++;
      const prefix = `sbload-${randomBytes(4).toString('hex')}`;
      const common = {
        REDIS_URL: redis.url,
        NATS_URL: nats.url,
        MESSAGES_URL: messages.url,
        INTERNAL_TOKEN,
        REDIS_KEY_PREFIX: prefix,
        LOG_LEVEL: 'warn',
      };
      const diagnosticDir = options.profileDir ? `${options.profileDir}/${kind}-${serial}` : undefined;
      const nodeArgs = [...(diagnosticDir ? await profileArgs(diagnosticDir) : []), ...(options.inspect ? ['--inspect=127.0.0.1:0'] : [])];
      const proc =
        kind === 'gateway'
          ? await startServiceProcess({
              script: options.gatewayMain ?? GATEWAY_MAIN,
              portVariable: 'GATEWAY_PORT',
              nodeArgs,
              env: { ...common, GATEWAY_HOST: '127.0.0.1', NODE_ID: `load-${serial}`, DRAIN_WINDOW_MS: '2000', ...options.gatewayEnv, ...env },
            })
          : await startServiceProcess({ script: BASELINE_MAIN, portVariable: 'BASELINE_PORT', nodeArgs, env: { ...common, BASELINE_HOST: '127.0.0.1', ...env } });
      await pinProcess(proc.pid, options.serverCpus);
      return { kind, process: proc, diagnosticDir, stop: () => stopService(proc) };
    };

    return { database, nats, redis, messages, startServer, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** SIGTERM (so `--cpu-prof` profiles are written), SIGKILL if it is not gone in 10 s. */
async function stopService(proc: ServiceProcess): Promise<void> {
  proc.signal('SIGTERM');
  const timer = setTimeout(() => proc.signal('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

async function profileArgs(target: string): Promise<string[]> {
  await mkdir(target, { recursive: true });
  // A CPU profile written at exit, and a heap snapshot on SIGUSR2 (both into `target`).
  return ['--cpu-prof', `--cpu-prof-dir=${target}`, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${target}`];
}
