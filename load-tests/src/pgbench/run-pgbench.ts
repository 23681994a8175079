import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createLogger } from '@switchboard/logger';
import { createApp, createPostgresDatabase, migrateToLatest } from '@switchboard/messages';
import { createTestDatabase } from '@switchboard/testing';
import { sendBatchScript, sendBatchVariables } from './send-batch-script.js';

/** Debian's pgbench for the server here; `PGBENCH` overrides it. */
export const DEFAULT_PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';

export interface PgbenchOptions {
  /** Messages per transaction. */
  readonly batch: number;
  /** pgbench clients (connections), each running one transaction at a time. */
  readonly clients: number;
  readonly seconds: number;
  /** Conversations seeded; each batch writes to `batch` different ones. */
  readonly conversations: number;
  readonly pgbench?: string;
  readonly log?: (message: string) => void;
}

export interface PgbenchResult {
  readonly batch: number;
  readonly clients: number;
  readonly transactions: number;
  readonly failed: number;
  readonly seconds: number;
  readonly transactionsPerSecond: number;
  readonly messagesPerSecond: number;
  readonly latencyAverageMs: number | undefined;
}

/**
 * The physical anchor of the send path: a scratch database on the shared Postgres (created here, migrated with the
 * service's own migrations, dropped at the end whatever happens), one app and `conversations` conversations, then
 * pgbench running the send batch's statements (`send-batch-script.ts`) for `seconds`. No other database is touched.
 */
export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const log = options.log ?? (() => undefined);
  if (options.batch > options.conversations) throw new Error('--pgbench-batch cannot exceed the conversations seeded');
  const database = await createTestDatabase('sb_pgbench');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-pgbench-'));
  try {
    const postgres = createPostgresDatabase({ connectionString: database.url, poolSize: 1, logger: createLogger({ service: 'pgbench', level: 'warn' }) });
    let appId: string;
    try {
      await migrateToLatest(postgres.db);
      appId = (await createApp(postgres.db, 'pgbench')).id;
      await sql`INSERT INTO conversations (id, app_id, device_id)
                SELECT g::text, ${appId}, 'dev_pgbench_' || g FROM generate_series(1, ${options.conversations}::integer) AS g`.execute(postgres.db);
      await sql`VACUUM ANALYZE`.execute(postgres.db);
    } finally {
      await postgres.close();
    }
    const script = path.join(dir, `send-batch-${options.batch}.pgbench`);
    await writeFile(script, sendBatchScript(options.batch));
    const variables: Record<string, string> = {
      ...sendBatchVariables(appId),
      nconv: String(options.conversations),
      stride: String(Math.floor(options.conversations / options.batch)),
    };
    const args = [
      '--no-vacuum',
      '--protocol=simple',
      `--client=${options.clients}`,
      `--jobs=${Math.min(options.clients, 2)}`,
      `--time=${options.seconds}`,
      `--file=${script}`,
      ...Object.entries(variables).map(([name, value]) => `--define=${name}=${value}`),
      database.url,
    ];
    log(`pgbench: ${options.clients} clients, ${options.batch} messages per transaction, ${options.seconds} s`);
    const output = await run(options.pgbench ?? process.env.PGBENCH ?? DEFAULT_PGBENCH, args);
    return parsePgbench(output, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await database.drop();
  }
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`pgbench exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

/** The figures of pgbench 15's summary. */
export function parsePgbench(output: string, options: Pick<PgbenchOptions, 'batch' | 'clients' | 'seconds'>): PgbenchResult {
  const number = (pattern: RegExp) => {
    const match = pattern.exec(output);
    return match ? Number(match[1]) : undefined;
  };
  const transactions = number(/number of transactions actually processed: (\d+)/);
  const tps = number(/tps = ([\d.]+) \(without initial connection time\)/);
  if (transactions === undefined || tps === undefined) throw new Error(`unexpected pgbench output:\n${output}`);
  return {
    batch: options.batch,
    clients: options.clients,
    transactions,
    failed: number(/number of failed transactions: (\d+)/) ?? 0,
    seconds: options.seconds,
    transactionsPerSecond: tps,
    messagesPerSecond: tps * options.batch,
    latencyAverageMs: number(/latency average = ([\d.]+) ms/),
  };
}
