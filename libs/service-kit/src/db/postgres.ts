import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Logger } from '@switchboard/logger';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './database-errors.js';

export interface PostgresOptions {
  readonly connectionString: string;
  /** Connections in the pool (`DATABASE_POOL_SIZE`). */
  readonly poolSize: number;
  readonly logger: Logger;
}

export interface PostgresDatabase<DB> extends AsyncDisposable {
  readonly db: Kysely<DB>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

// `bigint` columns (the messages service's activity and outbox ids) stay strings (pg's default for int8): they may
// exceed 2^53.

/** A Kysely on a pg pool for a service's `DB` (its tables), with the pool's errors and outages handled. */
export function createPostgresDatabase<DB>(options: PostgresOptions): PostgresDatabase<DB> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client killed by the server (restart, failover, 57P01) must not crash the process. The loss itself is
  // logged once by the service's dependency status, not once per pooled client.
  pool.on('error', (error) => options.logger.debug({ err: error }, 'idle postgres client error'));
  // A checked-out client has no pool listener: its connection dying between two queries (a transaction waiting
  // on a lock, say) emits an `error` that would otherwise end the process. The query in flight fails by itself.
  const guarded = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const onCheckedOutError = (error: Error) => options.logger.debug({ err: error }, 'postgres client error while checked out');
  // A query failing because the connection is gone is an outage too: translated here, so nothing above the
  // repositories reads driver codes.
  const translate = (error: unknown) => Promise.reject(isDatabaseUnavailable(error) ? new DatabaseUnavailableError(error) : error);
  const guard = (client: pg.PoolClient): PostgresPoolClient => {
    client.on('error', onCheckedOutError);
    // Only the (sql, parameters) form: the cursor form serves streaming queries, which need a `cursor` dialect
    // option this service does not set.
    const query = (sql: string, parameters: readonly unknown[]) => client.query(sql, [...parameters]).catch(translate);
    return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release() };
  };
  // Failing to get a connection at all is an outage, whatever the driver's error says.
  const guardedPool: PostgresPool = {
    connect: () =>
      pool.connect().then(
        (client) => {
          let wrapped = guarded.get(client);
          if (!wrapped) guarded.set(client, (wrapped = guard(client)));
          return wrapped;
        },
        (error: unknown) => Promise.reject(new DatabaseUnavailableError(error)),
      ),
    end: () => pool.end(),
  };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: guardedPool }) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy(); // ends the pool
  };
  return { db, pool, close, [Symbol.asyncDispose]: close };
}
