/**
 * What the operator CLIs of every service share (`apps:identity-key`, `apps:update`, `apps:rotate` of the messages
 * service, `apps:webhook` of the webhooks service): on `DATABASE_URL` when set (production has no operator API),
 * otherwise through the operator API of a running service at its URL variable (`MESSAGES_URL`, `WEBHOOKS_URL`) with
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
import { AppError } from './app-error.js';
import { databaseTarget, describeDatabaseError, isDatabaseConfigurationError, isDatabaseUnavailable } from './db/database-errors.js';
import { createPostgresDatabase } from './db/postgres.js';

/** The service an operator CLI works on: its database's migrations and where its operator API answers. */
export interface OperatorService {
  /** The variable naming the running service's URL (`MESSAGES_URL`). */
  readonly urlVariable: string;
  /** Its value when unset (`npm start`'s port on loopback). */
  readonly defaultUrl: string;
  /** Applies the service's pending migrations to `DATABASE_URL` before the CLI works on it. */
  readonly migrate: (db: Kysely<any>) => Promise<unknown>;
}

/** The variables an operator CLI reads, beside its service's URL. */
const OperatorCliEnv = z.object({
  /** Postgres to work on (migrated first); unset: the operator API of a running service. */
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  /** Bearer token of the operator API; unset: the one `npm start` generated in `DATA_DIR/operator-token`. */
  OPERATOR_TOKEN: z.string().optional(),
  /** Where `npm start` keeps its data. @default '.data' */
  DATA_DIR: dataDir,
  /** A command-line tool logs warnings and errors only. @default 'warn' */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warn'),
});

/** The service whose operator API is called, without `DATABASE_URL` (`MESSAGES_URL`, default its local port). */
const serviceUrlEnv = (service: OperatorService) => z.object({ [service.urlVariable]: url(['http', 'https']).default(service.defaultUrl) });

/** A usage error: exit 2 with the message and the usage on stderr. */
export class UsageError extends Error {}

/** One call of the operator API: its status and parsed body. */
export type OperatorApi = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export interface OperatorCli<V, DB> {
  /** `apps:identity-key`: named in messages. */
  readonly name: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Checks the arguments (throws `UsageError`), before any connection. */
  parse(values: Record<string, string | boolean | undefined>): V;
  /** On the database; the JSON to print. Throws `AppError` for a refusal. */
  viaDatabase(db: Kysely<DB>, args: V): Promise<unknown>;
  /** Through the operator API: the call to make and the status that means success. */
  viaApi(args: V): { method: string; path: string; body?: unknown; expect: number; print: (body: unknown) => unknown };
}

export async function runOperatorCli<V, DB>(service: OperatorService, cli: OperatorCli<V, DB>, argv: string[], env: Env): Promise<number> {
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
  let serviceUrls: Readonly<Record<string, string>>;
  try {
    config = loadConfig(OperatorCliEnv, env);
    serviceUrls = loadConfig(serviceUrlEnv(service), env) as Readonly<Record<string, string>>;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, 1);
    throw error;
  }
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

  if (config.DATABASE_URL) {
    const logger = createLogger({ service: cli.name, level: config.LOG_LEVEL });
    await using database = createPostgresDatabase<DB>({ connectionString: config.DATABASE_URL, poolSize: 2, logger });
    try {
      await service.migrate(database.db);
    } catch (error) {
      // A database that cannot be used is named; a migration that failed names itself.
      const unusable = isDatabaseUnavailable(error) || isDatabaseConfigurationError(error) || !(error instanceof Error);
      return fail(unusable ? `cannot use ${databaseTarget(config.DATABASE_URL)}: ${describeDatabaseError(error)}` : error.message, 1);
    }
    try {
      print(await cli.viaDatabase(database.db, args));
      return 0;
    } catch (error) {
      if (error instanceof AppError && error.expose) return fail(`${error.code}: ${error.message}`, 1);
      throw error;
    }
  }

  const base = serviceUrls[service.urlVariable] ?? service.defaultUrl;
  const token = config.OPERATOR_TOKEN ?? (await readFile(path.join(config.DATA_DIR, 'operator-token'), 'utf8').catch(() => '')).trim();
  if (!token) return fail(`set DATABASE_URL, or OPERATOR_TOKEN (and ${service.urlVariable}) to use a running service`, 2);
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
export function mainOf<V, DB>(service: OperatorService, cli: OperatorCli<V, DB>): void {
  runOperatorCli(service, cli, process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${cli.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
