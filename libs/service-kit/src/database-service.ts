import type http from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { DependencyStatus } from '@switchboard/runtime';
import { createDatabaseProbe } from './db/database-probe.js';
import { prepareDatabase } from './db/prepare-database.js';
import { closeServer, createHttpServer, listen } from './http/http-server.js';
import { readinessOf, type Readiness } from './http/health-routes.js';

export interface DatabaseServiceOptions {
  /** For the logs: `<name> service listening`, `<name> service stopped`. */
  readonly name: string;
  readonly db: Kysely<any>;
  /** What the service knows of its dependencies; `postgres` is registered here, as required. */
  readonly status: DependencyStatus;
  /** Where the database is (`databaseTarget(DATABASE_URL)`), for logs and errors. */
  readonly target: string;
  readonly logger: Logger;
}

export interface ServeOptions {
  readonly handler: http.RequestListener;
  readonly port: number;
  readonly host: string;
  /** Told the port once the service listens, before it waits for the database. */
  readonly onListening?: ((port: number) => void) | undefined;
  /** Applies the service's pending migrations (under its advisory lock). */
  readonly migrate: (db: Kysely<any>) => Promise<unknown>;
  /** Runs once the database is prepared: the service's background work starts here. */
  readonly start: () => void;
  /** Stops the background work, alongside the server's close (also when the database was never prepared). */
  readonly stop: () => Promise<unknown>;
}

export interface DatabaseService extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface DatabaseServiceLifecycle {
  /** `/readyz`'s answer, from the last probe, so that it answers at once. */
  readiness(): Promise<Readiness>;
  /** The database was reached and migrated: the routes may use it. */
  accepting(): boolean;
  /**
   * Listens at once, waits for the database and migrates it, then starts the background work and the probe;
   * resolves then. A failure to prepare the database closes the server (and stops the work) before it rejects.
   */
  serve(options: ServeOptions): Promise<DatabaseService>;
}

/**
 * The start and close sequence the HTTP services share (messages, webhooks): readiness from the dependency status
 * and the database probe, listen before the database is there, drain on close.
 */
export function createDatabaseServiceLifecycle(options: DatabaseServiceOptions): DatabaseServiceLifecycle {
  const { name, db, status, target, logger: log } = options;
  status.register('postgres', { target, required: true });
  let draining = false;
  let prepared = false;
  const probe = createDatabaseProbe(db, status);

  return {
    readiness: async () => readinessOf(status, { prepared, draining }),
    accepting: () => prepared,
    async serve(serve) {
      const server = createHttpServer(serve.handler);
      const port = await listen(server, serve.port, serve.host);
      log.info({ port }, `${name} service listening`);
      serve.onListening?.(port);

      const stopping = new AbortController();
      let closing: Promise<void> | undefined;
      const close = () =>
        (closing ??= (async () => {
          draining = true;
          stopping.abort();
          probe.stop();
          await Promise.all([closeServer(server), serve.stop()]);
          log.info(`${name} service stopped`);
        })());

      try {
        await prepareDatabase({ db, migrate: serve.migrate, status, target, signal: stopping.signal });
      } catch (error) {
        await close();
        throw error;
      }
      prepared = true;
      serve.start();
      // Probed in the background, so that a loss and a return are logged when they happen, and /readyz stays cheap.
      probe.start();

      return { port, url: `http://127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
    },
  };
}
