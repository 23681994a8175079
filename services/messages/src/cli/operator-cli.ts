/**
 * What the operator CLIs (`apps:rotate`, …) share: they work on `DATABASE_URL` when it is set (production has no
 * operator API), else through the operator API of a running service (`npm start`), and print the same JSON either way.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ConfigError, dataDir, LOG_LEVELS, loadConfig, url, type Env } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { databaseTarget, describeDatabaseError } from '../db/errors.js';
import { migrateToLatest, MigrationError } from '../db/migrate.js';
import { createPostgresDatabase } from '../db/postgres.js';
import type { Database } from '../db/schema.js';

/** The variables an operator CLI reads. */
export const OperatorCliEnv = z.object({
  /** Postgres to work on (migrated first); unset: the operator API of a running service. */
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  /** The messages service whose operator API is called, without `DATABASE_URL`. @default 'http://127.0.0.1:3001' */
  MESSAGES_URL: url(['http', 'https']).default('http://127.0.0.1:3001'),
  /** Bearer token of the operator API; unset: the one `npm start` generated in `DATA_DIR/operator-token`. */
  OPERATOR_TOKEN: z.string().optional(),
  /** Where `npm start` keeps its data. @default '.data' */
  DATA_DIR: dataDir,
  /** A command-line tool logs warnings and errors only. @default 'warn' */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warn'),
});
export type OperatorCliConfig = z.infer<typeof OperatorCliEnv>;

/** The environment's paragraph of every operator CLI's usage. */
export const OPERATOR_CLI_ENV_USAGE = `With DATABASE_URL set, it works on that database (migrated first). Otherwise it calls the operator API of a
running service: MESSAGES_URL (default http://127.0.0.1:3001) with OPERATOR_TOKEN (default: the token \`npm start\`
generated in DATA_DIR/operator-token, DATA_DIR default .data).
`;

/** A failure to report on stderr (prefixed with the command) with an exit code. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function loadOperatorCliConfig(env: Env): OperatorCliConfig {
  try {
    return loadConfig(OperatorCliEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliFailure(error.message, 1);
    throw error;
  }
}

/** Runs `work` on the migrated `DATABASE_URL` and closes it. */
export async function withDatabase<T>(config: OperatorCliConfig & { DATABASE_URL: string }, service: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  await using database = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: 2, logger });
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    throw new CliFailure(error instanceof MigrationError ? error.message : `cannot use ${databaseTarget(config.DATABASE_URL)}: ${describeDatabaseError(error)}`, 1);
  }
  // Awaited here: the database is closed when this function returns.
  return await work(database.db);
}

/** Calls the operator API; answers the JSON body of a response with status `expected`, else fails naming the answer. */
export async function callOperatorApi(config: OperatorCliConfig, method: string, apiPath: string, body: unknown, expected: number): Promise<unknown> {
  // `npm start` keeps the operator token it generated in DATA_DIR.
  const token = config.OPERATOR_TOKEN ?? (await readFile(path.join(config.DATA_DIR, 'operator-token'), 'utf8').catch(() => '')).trim();
  if (!token) throw new CliFailure('set DATABASE_URL, or OPERATOR_TOKEN (and MESSAGES_URL) to use a running service', 2);
  const response = await fetch(new URL(apiPath, config.MESSAGES_URL), {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new CliFailure(`${config.MESSAGES_URL} answered ${response.status}: ${text}`, 1);
  return JSON.parse(text);
}

/** Runs a CLI's `main` and exits with its code; a `CliFailure` is one line on stderr. */
export function runCli(command: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof CliFailure) {
        process.stderr.write(`${command}: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      process.stderr.write(`${command} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
