import pg from 'pg';
import type { Logger } from '@switchboard/logger';
import { OUTBOX_CHANNEL } from '../repositories/outbox.js';
import type { RelayCoordinator } from './relay-coordinator.js';

/** Advisory lock key of the relay lease ('sb-outbox' as an integer). */
export const RELAY_LOCK_KEY = 0x73622d6f7574;

export interface PgRelayCoordinatorOptions {
  readonly connectionString: string;
  readonly logger: Logger;
  /** Delay before reconnecting a lost session. @default 1000 */
  readonly reconnectDelayMs?: number;
}

/**
 * One dedicated Postgres session per replica that LISTENs for outbox notifications and holds the relay lease as a
 * session-level advisory lock. If the replica dies, Postgres ends its session and frees the lock, so a standby
 * takes over at its next `tryLead()`.
 */
export function createPgRelayCoordinator(options: PgRelayCoordinatorOptions): RelayCoordinator {
  const log = options.logger.child({ component: 'relay-coordinator' });
  const listeners = new Set<() => void>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let leading = false;
  let closed = false;

  const wake = () => listeners.forEach((listener) => listener());

  const connect = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: options.connectionString });
      next.on('error', (error) => {
        log.warn({ err: error }, 'relay session lost');
        drop(next);
      });
      next.on('end', () => drop(next));
      next.on('notification', wake);
      try {
        await next.connect();
        await next.query(`LISTEN ${OUTBOX_CHANNEL}`);
      } catch (error) {
        next.end().catch(() => {});
        throw error;
      }
      client = next;
      // Events may have been written while no session listened.
      wake();
      return next;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const drop = (which: pg.Client) => {
    if (client !== which) return;
    client = undefined;
    leading = false;
  };

  const close = async () => {
    if (closed) return;
    closed = true;
    listeners.clear();
    const current = client;
    client = undefined;
    leading = false;
    // Ending the session releases the advisory lock and the LISTEN.
    await current?.end().catch(() => {});
  };

  return {
    async tryLead() {
      if (closed) return false;
      const session = client ?? (await connect());
      if (leading) return true;
      const result = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        RELAY_LOCK_KEY,
      ]);
      leading = result.rows[0]?.locked === true;
      if (leading) log.info('this replica now publishes the outbox');
      return leading;
    },
    get leading() {
      return leading && client !== undefined;
    },
    onWake: (listener) => void listeners.add(listener),
    close,
    [Symbol.asyncDispose]: close,
  };
}
