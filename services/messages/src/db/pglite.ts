import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import type { Database } from './schema.js';

/**
 * The embedded stand-in for Postgres (`npm start` without `DATABASE_URL`): PGlite, persisted in a directory.
 *
 * PGlite is one session. Kysely may run several transactions at once, so this dialect hands the session to one
 * caller at a time (a queue held from `acquireConnection` to `releaseConnection`, i.e. for a whole transaction),
 * and reports affected rows from PGlite's result. (kysely-pglite interleaves transactions on the one session and
 * reports 0 affected rows; see STACK-NOTES.)
 */
export interface PgliteDatabase extends AsyncDisposable {
  readonly db: Kysely<Database>;
  readonly pglite: PGlite;
  close(): Promise<void>;
}

/** `dataDir` undefined: in memory (tests). */
export async function createPgliteDatabase(dataDir?: string): Promise<PgliteDatabase> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // int8 stays a string, as with pg (activity and outbox ids may exceed 2^53).
  const pglite = new PGlite({ ...(dataDir ? { dataDir } : {}), parsers: { [types.INT8]: (value: string) => value } });
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new PgliteDialect(pglite) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
    await pglite.close();
  };
  return { db, pglite, close, [Symbol.asyncDispose]: close };
}

class PgliteDialect implements Dialect {
  readonly #pglite: PGlite;
  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new SerialisingDriver(new PgliteConnection(this.#pglite));
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}

/** Hands the single connection to one holder at a time, in arrival order. */
class SerialisingDriver implements Driver {
  readonly #connection: PgliteConnection;
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(connection: PgliteConnection) {
    this.#connection = connection;
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection;
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }
  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  async destroy(): Promise<void> {
    await this.#tail;
  }
}

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}
