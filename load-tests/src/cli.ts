/**
 * `npm run load -- <connections|fanout|e2e|cluster|storm|pgbench> [--flag value …]`: starts a private copy of the stack on this
 * machine, drives it from several client processes, and prints the figures for the gateway, the plain Socket.IO
 * baseline and the raw uWS floor side by side (`cluster`: 1 to N gateway processes, a table per event rate; `storm`:
 * 19,000 sockets dropped at once and reconnecting, on the gateway and the baseline).
 * Flags are listed in load-tests/README.md. Everything it starts is removed at the end.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { formatReport, type Figure } from './measure/report.js';
import { flagReader, parseArgs, type FlagReader } from './options.js';
import { runCluster } from './scenarios/cluster.js';
import { runConnections } from './scenarios/connections.js';
import { runE2e } from './scenarios/e2e.js';
import { runFanout } from './scenarios/fanout.js';
import { runPgbenchScenario } from './scenarios/pgbench.js';
import { runStorm } from './scenarios/storm.js';
import { withRunContext, type RunContext } from './scenarios/run-context.js';
import type { ServerKind } from './stack/load-stack.js';

interface ScenarioResult {
  readonly figures: Figure[];
  readonly conditions: string[];
  /** Tables of their own (Markdown), printed after the figures' table (or alone when there are no figures). */
  readonly tables?: string[];
  /** The scenario's own results, written into `--out`'s JSON. */
  readonly data?: unknown;
}

type Scenario =
  | {
      readonly run: (ctx: RunContext) => Promise<ScenarioResult>;
      /** `--servers` unless given. The floor is cheap to add where it is the point (sockets and fan-out). */
      readonly servers: readonly ServerKind[];
    }
  | {
      /** Needs none of the stack (its own scratch database): run without starting it. */
      readonly standalone: (flags: FlagReader, log: (message: string) => void) => Promise<ScenarioResult>;
    };

const SCENARIOS: Record<string, Scenario> = {
  connections: { run: runConnections, servers: ['gateway', 'baseline', 'floor'] },
  fanout: { run: runFanout, servers: ['gateway', 'baseline', 'floor'] },
  e2e: { run: runE2e, servers: ['gateway', 'baseline'] },
  cluster: { run: runCluster, servers: ['gateway'] },
  storm: { run: runStorm, servers: ['gateway', 'baseline'] },
  pgbench: { standalone: runPgbenchScenario },
};

async function main(): Promise<number> {
  const { scenario, flags } = parseArgs(process.argv.slice(2));
  const chosen = scenario ? SCENARIOS[scenario] : undefined;
  if (!chosen) {
    process.stderr.write(`usage: npm run load -- <${Object.keys(SCENARIOS).join('|')}> [--flag value …] (see load-tests/README.md)\n`);
    return 2;
  }
  const reader = flagReader(flags);
  const started = new Date();
  const loadAtStart = os.loadavg();
  const { figures, conditions, tables, data } =
    'standalone' in chosen
      ? await chosen.standalone(reader, (message) => process.stderr.write(`[load] ${message}\n`))
      : await withRunContext(reader, { messagesCpus: reader.optional('messages-cpus'), defaultServers: chosen.servers }, async (ctx) => {
          const result = await chosen.run(ctx);
          return { ...result, conditions: [...ctx.conditions, ...result.conditions] };
        });
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}, Node ${process.version}; load average at the start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  const report = formatReport(`${scenario} — ${started.toISOString()}`, [machine, ...conditions, `flags: ${JSON.stringify(reader.used())}`], figures);
  process.stdout.write(`${[report, ...(tables ?? [])].join('\n\n')}\n`);
  const out = reader.optional('out');
  if (out) {
    await mkdir(out, { recursive: true });
    const file = `${out}/${scenario}-${started.toISOString().replaceAll(':', '-')}.json`;
    await writeFile(file, JSON.stringify({ scenario, started, machine, conditions, flags: reader.used(), figures, tables, data }, null, 2));
    process.stderr.write(`figures written to ${file}\n`);
  }
  return 0;
}

/** An error and, for a failure during cleanup (`SuppressedError`), the one it hid. */
function describe(error: unknown): string {
  if (error instanceof Error && 'suppressed' in error && 'error' in error) {
    return `${describe((error as { suppressed: unknown }).suppressed)}\nthen, during cleanup: ${describe((error as { error: unknown }).error)}`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`load: ${describe(error)}\n`);
    process.exit(1);
  },
);
