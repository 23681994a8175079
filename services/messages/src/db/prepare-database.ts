import type { Kysely } from 'kysely';
import { ConfigError } from '@switchboard/config';
import { retryDelayMs, sleep, type DependencyStatus } from '@switchboard/runtime';
import { describeDatabaseError, driverError, isDatabaseConfigurationError, isDatabaseUnavailable } from './errors.js';
import { migrateToLatest } from './migrate.js';

export interface PrepareDatabaseOptions {
  readonly db: Kysely<any>;
  readonly status: DependencyStatus;
  /** Where the database is (`databaseTarget`), for the error that names it. */
  readonly target: string;
  /** Stops waiting (the service is closing). */
  readonly signal?: AbortSignal;
}

/**
 * Reaches the database and applies pending migrations. An unreachable server is waited for like any dependency
 * (reported in `status`, which logs it once, retried with backoff); a database that does not exist or refused
 * credentials are configuration errors, thrown as a `ConfigError` naming the database, its host and the cause.
 * Any other failure (a migration that fails) is thrown as it is.
 */
export async function prepareDatabase(options: PrepareDatabaseOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await migrateToLatest(options.db);
      options.status.up('postgres');
      return;
    } catch (error) {
      if (isDatabaseConfigurationError(error)) {
        throw new ConfigError([`DATABASE_URL: cannot use ${options.target}: ${describeDatabaseError(error)}`]);
      }
      if (!isDatabaseUnavailable(error) && !isDatabaseUnavailable(driverError(error))) throw error;
      options.status.down('postgres', describeDatabaseError(error));
      if (options.signal?.aborted) throw error;
      await sleep(retryDelayMs(attempt), options.signal);
    }
  }
}
