import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as webhooks from './migrations/0001-webhooks.js';
import * as manualRetry from './migrations/0002-manual-retry.js';

/** Every migration of the `webhooks` schema, in order (static: a compiled service needs no directory scan). */
const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-webhooks': webhooks,
  '0002-manual-retry': manualRetry,
});

/** The schema the service owns; its migration table lives there too, apart from the messages service's. */
export const WEBHOOKS_SCHEMA = 'webhooks';

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/**
 * Applies pending migrations. Kysely's Postgres adapter runs them in a transaction holding
 * `pg_advisory_xact_lock`, so replicas starting at once apply each migration exactly once.
 */
export async function migrateWebhooks(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await new Migrator({
    db,
    provider,
    migrationTableSchema: WEBHOOKS_SCHEMA,
    migrationTableName: 'migrations',
    migrationLockTableName: 'migrations_lock',
  }).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    if (!failed) throw result.error;
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`webhooks migration ${failed.migrationName} failed: ${cause}`, { cause: result.error });
  }
  return result;
}

export const WEBHOOKS_MIGRATION_NAMES = Object.freeze(Object.keys(MIGRATIONS));
