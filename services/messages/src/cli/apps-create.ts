/**
 * `npm run apps:create -- --name NAME`: creates an app and prints its JSON. With `DATABASE_URL` set it writes to
 * that database (migrating it first); otherwise it calls the operator API of a running service at `MESSAGES_URL`
 * (default http://127.0.0.1:3001) with `OPERATOR_TOKEN` (default: the one `npm start` generated in `DATA_DIR`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, dataDir, LOG_LEVELS, loadConfig, url, type Env } from '@switchboard/config';
import { CreateAppRequest, parseWith, REST_PATHS } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { databaseTarget, describeDatabaseError } from '../db/errors.js';
import { migrateToLatest, MigrationError } from '../db/migrate.js';
import { createPostgresDatabase } from '../db/postgres.js';
import { createApp } from '../use-cases/apps.js';

const USAGE = `usage: npm run -s apps:create -- --name NAME

Creates an app and prints its JSON (id, name, api_key, admin_token) on stdout.

options:
  --name NAME   the app's name, 1-100 characters (required)
  -h, --help    print this help

With DATABASE_URL set, the app is written to that database (migrated first). Otherwise it is created through the
operator API of a running service: MESSAGES_URL (default http://127.0.0.1:3001) with OPERATOR_TOKEN (default: the
token \`npm start\` generated in DATA_DIR/operator-token, DATA_DIR default .data).
`;

/** The variables `apps:create` reads. */
const AppsCreateEnv = z.object({
  /** Postgres to write the app to (migrated first); unset: the operator API of a running service. */
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  /** The messages service whose operator API creates the app, without `DATABASE_URL`. @default 'http://127.0.0.1:3001' */
  MESSAGES_URL: url(['http', 'https']).default('http://127.0.0.1:3001'),
  /** Bearer token of the operator API; unset: the one `npm start` generated in `DATA_DIR/operator-token`. */
  OPERATOR_TOKEN: z.string().optional(),
  /** Where `npm start` keeps its data. @default '.data' */
  DATA_DIR: dataDir,
  /** A command-line tool logs warnings and errors only. @default 'warn' */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warn'),
});

async function main(argv: string[], env: Env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`apps:create: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const parsed = parseWith(CreateAppRequest, { name: values.name });
  if (!parsed.ok) {
    process.stderr.write(`apps:create: --name is required, 1-100 characters\n\n${USAGE}`);
    return 2;
  }
  const { name } = parsed.value;
  let config;
  try {
    config = loadConfig(AppsCreateEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`apps:create: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  if (config.DATABASE_URL) {
    const logger = createLogger({ service: 'apps-create', level: config.LOG_LEVEL });
    await using database = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: 2, logger });
    try {
      await migrateToLatest(database.db);
    } catch (error) {
      const line = error instanceof MigrationError ? error.message : `cannot use ${databaseTarget(config.DATABASE_URL)}: ${describeDatabaseError(error)}`;
      process.stderr.write(`apps:create: ${line}\n`);
      return 1;
    }
    const app = await createApp(database.db, name);
    process.stdout.write(`${JSON.stringify(app, null, 2)}\n`);
    return 0;
  }

  const base = config.MESSAGES_URL;
  // `npm start` keeps the operator token it generated in DATA_DIR.
  const token = config.OPERATOR_TOKEN ?? (await readFile(path.join(config.DATA_DIR, 'operator-token'), 'utf8').catch(() => '')).trim();
  if (!token) {
    process.stderr.write('apps:create: set DATABASE_URL, or OPERATOR_TOKEN (and MESSAGES_URL) to use a running service\n');
    return 2;
  }
  const response = await fetch(new URL(REST_PATHS.apps, base), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ name }),
  });
  const text = await response.text();
  if (response.status !== 201) {
    process.stderr.write(`apps:create: ${base} answered ${response.status}: ${text}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`apps:create failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
