import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as identity from './migrations/0002-identity.js';
import * as workflow from './migrations/0003-workflow.js';

/** Every migration, in order. Listed statically so a bundled or compiled service needs no directory scan. */
const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initial,
  '0002-identity': identity,
  '0003-workflow': workflow,
});

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Applies pending migrations. Kysely's Postgres adapter runs them inside a transaction holding
 * `pg_advisory_xact_lock`, so several replicas starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  return checked(await new Migrator({ db, provider }).migrateToLatest());
}

/**
 * Applies (or reverts) migrations up to and including `name` (one of `MIGRATION_NAMES`): a database as an older
 * release left it, for the tests of a later migration's backfill.
 */
export async function migrateTo(db: Kysely<any>, name: string): Promise<MigrationResultSet> {
  if (!(name in MIGRATIONS)) throw new MigrationError(`no migration is named ${name}`);
  return checked(await new Migrator({ db, provider }).migrateTo(name));
}

/** The result, or the error of the migration that failed (naming it). */
function checked(result: MigrationResultSet): MigrationResultSet {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    // No migration ran: reaching the database (or its lock) failed. That error says more than any wrapper.
    if (!failed) throw result.error;
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MigrationError(`migration ${failed.migrationName} failed: ${cause}`, { cause: result.error });
  }
  return result;
}

export const MIGRATION_NAMES = Object.freeze(Object.keys(MIGRATIONS));
