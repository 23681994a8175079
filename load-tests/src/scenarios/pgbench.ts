import type { FlagReader } from '../options.js';
import { runPgbench, type PgbenchOptions, type PgbenchResult } from '../pgbench/run-pgbench.js';

/**
 * The pgbench anchor's flags, shared by `pgbench` and `e2e`: by default the shape of the service's group commit at
 * `--concurrency` requests in flight, `SEND_CONCURRENCY` (4) transactions of `concurrency / 4` messages each.
 */
export function pgbenchOptions(flags: FlagReader, concurrency: number, log: (message: string) => void): PgbenchOptions {
  const clients = flags.int('pgbench-clients', 4);
  return {
    clients,
    batch: flags.int('pgbench-batch', Math.max(1, Math.ceil(concurrency / clients))),
    seconds: flags.int('pgbench-seconds', 20),
    conversations: flags.int('pgbench-conversations', 500),
    log,
  };
}

export function pgbenchTable(result: PgbenchResult, serviceAccepted?: number): string {
  const rows = [
    ['pgbench clients × messages per transaction', `${result.clients} × ${result.batch}`],
    ['transactions per second', result.transactionsPerSecond.toFixed(0)],
    ['messages per second', result.messagesPerSecond.toFixed(0)],
    ['transactions (failed)', `${result.transactions} (${result.failed})`],
    ['latency average (ms)', result.latencyAverageMs?.toFixed(1) ?? '—'],
    ...(serviceAccepted === undefined
      ? []
      : [
          ['messages service accepted per second (throughput phase)', serviceAccepted.toFixed(0)],
          ['messages service ÷ pgbench', `${((100 * serviceAccepted) / result.messagesPerSecond).toFixed(1)} %`],
        ]),
  ];
  return ['| pgbench: the send batch alone | |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n');
}

/** `npm run load -- pgbench`: the send batch's statements alone, on a scratch database (no stack started). */
export async function runPgbenchScenario(flags: FlagReader, log: (message: string) => void) {
  const result = await runPgbench(pgbenchOptions(flags, flags.int('concurrency', 64), log));
  return {
    figures: [],
    conditions: [
      'pgbench on a scratch database of the shared Postgres (created, migrated with the service\'s migrations, dropped); the statements of load-tests/src/pgbench/send-batch-script.ts, `-M extended`',
    ],
    tables: [pgbenchTable(result)],
    data: result,
  };
}
