/** `npm run db:migrate`: applies pending migrations to `DATABASE_URL` (under Kysely's advisory lock). */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, logLevel, url } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { databaseTarget, describeDatabaseError } from '../db/errors.js';
import { migrateToLatest, MigrationError } from '../db/migrate.js';
import { createPostgresDatabase } from '../db/postgres.js';

const USAGE = `usage: npm run -s db:migrate

Applies the pending migrations to the database of DATABASE_URL, under an advisory lock (safe to run from several
places at once; the messages service also applies them at start).

environment:
  DATABASE_URL  postgres://user:password@host:5432/database (required)
  LOG_LEVEL     fatal|error|warn|info|debug|trace|silent (default info)

options:
  -h, --help    print this help
`;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true });
  } catch (error) {
    process.stderr.write(`db:migrate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfig(z.object({ DATABASE_URL: url(['postgres', 'postgresql']), LOG_LEVEL: logLevel }), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`db:migrate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const logger = createLogger({ service: 'db-migrate', level: config.LOG_LEVEL });
  await using database = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: 2, logger });
  let result;
  try {
    result = await migrateToLatest(database.db);
  } catch (error) {
    // One line naming what failed: a migration (it names itself), or the database (host, name, cause).
    const line = error instanceof MigrationError ? error.message : `cannot use ${databaseTarget(config.DATABASE_URL)}: ${describeDatabaseError(error)}`;
    process.stderr.write(`db:migrate: ${line}\n`);
    return 1;
  }
  const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`db:migrate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (error instanceof Error && error.cause) process.stderr.write(`cause: ${String(error.cause)}\n`);
    process.exit(1);
  },
);
