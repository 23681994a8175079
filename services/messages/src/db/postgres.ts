import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '@switchboard/logger';
import type { Database } from './schema.js';

export interface PostgresOptions {
  readonly connectionString: string;
  /** @default 20 */
  readonly poolSize?: number;
  readonly logger: Logger;
}

export interface PostgresDatabase extends AsyncDisposable {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

// `bigint` columns (activity, outbox ids) stay strings: they may exceed 2^53.
// `int8` is already parsed as a string by pg; nothing to override.

export function createPostgresDatabase(options: PostgresOptions): PostgresDatabase {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 20,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client killed by the server (restart, failover, 57P01) must not crash the process.
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle postgres client error'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy(); // ends the pool
  };
  return { db, pool, close, [Symbol.asyncDispose]: close };
}
