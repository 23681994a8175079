import { sql, type Kysely } from 'kysely';
import type { DependencyStatus } from '@switchboard/runtime';
import { describeDatabaseError } from './database-errors.js';

/** How often the database is probed (`SELECT 1`) once the service runs; `/readyz` reports the last answer. */
export const DATABASE_PROBE_INTERVAL_MS = 1000;

export interface DatabaseProbe {
  /** Probes every `DATABASE_PROBE_INTERVAL_MS` from now on. */
  start(): void;
  stop(): void;
}

/**
 * Keeps `status`'s `postgres` entry current in the background, so that a loss and a return are logged when they
 * happen and `/readyz` answers from the last probe at once (a Kubernetes probe times out after 1 s by default).
 */
export function createDatabaseProbe(db: Kysely<any>, status: DependencyStatus): DatabaseProbe {
  let probing = false;
  let timer: NodeJS.Timeout | undefined;
  const probe = async () => {
    if (probing) return; // a slow answer is still awaited: no pile-up
    probing = true;
    try {
      const failure = await databaseFailure(db);
      if (failure === undefined) status.up('postgres');
      else status.down('postgres', failure);
    } finally {
      probing = false;
    }
  };
  return {
    start() {
      timer ??= setInterval(() => void probe(), DATABASE_PROBE_INTERVAL_MS);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Why the database does not answer `SELECT 1` within 3 s; `undefined` when it does. Generous: a loaded database
 * that answers slowly is not lost (each "lost" is a log line and takes the replica out of the load balancer).
 */
export async function databaseFailure(db: Kysely<any>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      sql`SELECT 1`.execute(db).then(() => undefined),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer within 3 s'), 3000))),
    ]);
  } catch (error) {
    return describeDatabaseError(error);
  } finally {
    clearTimeout(timer);
  }
}
