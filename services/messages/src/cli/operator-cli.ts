/**
 * What the operator CLIs (`apps:identity-key`, `apps:update`) share with `apps:create`: on `DATABASE_URL` when set
 * (production has no operator API), otherwise through the operator API of a running service at `MESSAGES_URL` with
 * `OPERATOR_TOKEN` (default: the one `npm start` generated in `DATA_DIR`). Each prints the JSON the operator API
 * answers on stdout; exit 0, 1 on a refusal or failure, 2 on a usage error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ConfigError, dataDir, LOG_LEVELS, loadConfig, url, type Env } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { databaseTarget, describeDatabaseError } from '../db/errors.js';
import { migrateToLatest, MigrationError } from '../db/migrate.js';
import { createPostgresDatabase } from '../db/postgres.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';

/** The variables an operator CLI reads. */
const OperatorCliEnv = z.object({
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

/** A usage error: exit 2 with the message and the usage on stderr. */
export class UsageError extends Error {}

/** One call of the operator API: its status and parsed body. */
export type OperatorApi = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export interface OperatorCli<V> {
  /** `apps:identity-key`: named in messages. */
  readonly name: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Checks the arguments (throws `UsageError`), before any connection. */
  parse(values: Record<string, string | boolean | undefined>): V;
  /** On the database; the JSON to print. Throws `AppError` for a refusal. */
  viaDatabase(db: Kysely<Database>, args: V): Promise<unknown>;
  /** Through the operator API: the call to make and the status that means success. */
  viaApi(args: V): { method: string; path: string; body?: unknown; expect: number; print: (body: unknown) => unknown };
}

export async function runOperatorCli<V>(cli: OperatorCli<V>, argv: string[], env: Env): Promise<number> {
  const fail = (line: string, code: number) => {
    process.stderr.write(`${cli.name}: ${line}\n`);
    return code;
  };
  let args: V;
  try {
    const { values } = parseArgs({ args: argv, options: { ...cli.options, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      process.stdout.write(cli.usage);
      return 0;
    }
    args = cli.parse(values as Record<string, string | boolean | undefined>);
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${cli.usage}`, 2);
  }
  let config;
  try {
    config = loadConfig(OperatorCliEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, 1);
    throw error;
  }
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

  if (config.DATABASE_URL) {
    const logger = createLogger({ service: cli.name, level: config.LOG_LEVEL });
    await using database = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: 2, logger });
    try {
      await migrateToLatest(database.db);
    } catch (error) {
      return fail(error instanceof MigrationError ? error.message : `cannot use ${databaseTarget(config.DATABASE_URL)}: ${describeDatabaseError(error)}`, 1);
    }
    try {
      print(await cli.viaDatabase(database.db, args));
      return 0;
    } catch (error) {
      if (error instanceof AppError && error.expose) return fail(`${error.code}: ${error.message}`, 1);
      throw error;
    }
  }

  const base = config.MESSAGES_URL;
  const token = config.OPERATOR_TOKEN ?? (await readFile(path.join(config.DATA_DIR, 'operator-token'), 'utf8').catch(() => '')).trim();
  if (!token) return fail('set DATABASE_URL, or OPERATOR_TOKEN (and MESSAGES_URL) to use a running service', 2);
  const call = cli.viaApi(args);
  const response = await fetch(new URL(call.path, base), {
    method: call.method,
    headers: { Authorization: `Bearer ${token}`, ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  const text = await response.text();
  if (response.status !== call.expect) return fail(`${base} answered ${response.status}: ${text}`, 1);
  print(call.print(text ? JSON.parse(text) : undefined));
  return 0;
}

/** Runs a CLI as the process's main: exit with its code. */
export function mainOf<V>(cli: OperatorCli<V>): void {
  runOperatorCli(cli, process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${cli.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
