import { startClientFleet, type ClientFleet } from '../clients/client-fleet.js';
import { createProcessUsageReader, scrapeMetrics, type ProcessUsageReader } from '../measure/process-usage.js';
import { forceGc, inspectorUrl } from '../measure/force-gc.js';
import type { FlagReader } from '../options.js';
import { SERVER_KINDS, startLoadStack, type LoadStack, type ServerKind, type ServerUnderTest } from '../stack/load-stack.js';

export interface ServerSample {
  readonly at: number;
  readonly cpuSeconds: number;
  readonly systemSeconds: number;
  /** VmRSS of /proc/<pid>/status. */
  readonly rssBytes: number;
  /** nodejs_heap_size_used_bytes of its /metrics. */
  readonly heapUsedBytes: number | undefined;
  /** nodejs_heap_size_total_bytes of its /metrics: the V8 heap committed (RSS minus it is native memory, code, stacks). */
  readonly heapTotalBytes: number | undefined;
}

export interface RunContext {
  readonly stack: LoadStack;
  readonly fleet: ClientFleet;
  readonly flags: FlagReader;
  readonly servers: readonly ServerKind[];
  readonly usage: ProcessUsageReader;
  sample(server: ServerUnderTest): Promise<ServerSample>;
  /** Full GCs in the server through its inspector (unless `--gc 0`), before memory is read. */
  collectGarbage(server: ServerUnderTest): Promise<void>;
  /** CPU seconds used so far by all client processes together. */
  clientCpuSeconds(): Promise<number>;
  log(message: string): void;
  /** Conditions printed above the table. */
  readonly conditions: string[];
}

/**
 * Starts the private stack and the client processes from the common flags, runs `body`, and removes everything
 * it started whatever happens (processes, database, private servers).
 */
export async function withRunContext<T>(
  flags: FlagReader,
  stackExtras: { messagesCpus?: string | undefined; defaultServers: readonly ServerKind[] },
  body: (ctx: RunContext) => Promise<T>,
): Promise<T> {
  const servers = flags.list('servers', stackExtras.defaultServers) as ServerKind[];
  for (const s of servers) if (!SERVER_KINDS.includes(s)) throw new Error(`--servers takes ${SERVER_KINDS.join(',')} (got ${s})`);
  const serverCpus = flags.str('server-cpus', '0');
  const clientCpus = flags.str('client-cpus', '1');
  const helperCpus = flags.str('helper-cpus', '1');
  const workers = flags.int('workers', 4);
  const profileDir = flags.optional('profile');
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[load +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

  log('starting the stack (database, nats-server, redis-server, messages service)');
  await using stack = await startLoadStack({
    serverCpus: serverCpus || undefined,
    helperCpus: helperCpus || undefined,
    messagesCpus: stackExtras.messagesCpus,
    profileDir,
    inspect: flags.int('gc', 1) > 0,
    gatewayMain: flags.optional('gateway-main'),
    messagesMain: flags.optional('messages-main'),
    messagesEnv: envPairs(flags.optional('messages-env')),
  });
  await using fleet = await startClientFleet({ workers, cpus: clientCpus || undefined });
  const usage = createProcessUsageReader();
  const conditions = [
    `server under test pinned to CPU ${serverCpus || 'any'}; ${workers} client processes on CPU ${clientCpus || 'any'} from 127.0.0.2–127.0.0.${1 + workers}; nats-server and redis-server on CPU ${helperCpus || 'any'}; Postgres shared, unpinned`,
  ];
  return await body({
    stack,
    fleet,
    flags,
    servers,
    usage,
    log,
    conditions,
    async collectGarbage(server) {
      const url = inspectorUrl(server.process.logs());
      if (url) await forceGc(url);
    },
    async clientCpuSeconds() {
      const all = await Promise.all(fleet.pids.map((pid) => usage.read(pid).catch(() => ({ cpuSeconds: 0 }))));
      return all.reduce((sum, u) => sum + u.cpuSeconds, 0);
    },
    async sample(server) {
      const [proc, metrics] = await Promise.all([usage.read(server.process.pid), scrapeMetrics(`${server.process.url}/metrics`).catch(() => undefined)]);
      return { at: Date.now(), cpuSeconds: proc.cpuSeconds, systemSeconds: proc.systemSeconds, rssBytes: proc.rssBytes, heapUsedBytes: metrics?.heapUsedBytes, heapTotalBytes: metrics?.heapTotalBytes };
    },
  });
}

/** `--messages-env KEY=value,KEY=value`: extra environment for the messages service (tuning experiments). */
function envPairs(spec: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (spec ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--messages-env takes KEY=value pairs, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
