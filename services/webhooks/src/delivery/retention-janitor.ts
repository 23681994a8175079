import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { WebhooksDatabase } from '../db/schema.js';
import { deleteExpired } from './delivery-store.js';

/** Delivered and failed deliveries are kept this long (the delivery log an operator reads), like the streams' 7 days. */
export const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** An event no delivery refers to (its endpoint deleted, its deliveries expired) goes after this long. */
export const ORPHAN_EVENT_MS = 60 * 60 * 1000;
const INTERVAL_MS = 10 * 60 * 1000;
const BATCH = 5000;

export interface RetentionJanitor {
  start(): void;
  stop(): Promise<void>;
  /** One pass now (tests, and the first pass at start). */
  sweep(): Promise<{ deliveries: number; events: number }>;
}

/**
 * Keeps the delivery log bounded: every 10 minutes, on every replica (the deletes are idempotent), removes finished
 * deliveries older than 7 days and then the events nothing refers to any more, in batches.
 */
export function createRetentionJanitor(deps: { db: Kysely<WebhooksDatabase>; logger: Logger; now: () => number }): RetentionJanitor {
  const log = deps.logger.child({ component: 'webhooks-janitor' });
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;

  const sweep = async () => {
    const now = deps.now();
    const removed = { deliveries: 0, events: 0 };
    for (;;) {
      const batch = await deleteExpired(deps.db, { finishedBefore: new Date(now - RETENTION_MS), orphanEventsBefore: new Date(now - ORPHAN_EVENT_MS), batch: BATCH });
      removed.deliveries += batch.deliveries;
      removed.events += batch.events;
      if (batch.deliveries < BATCH && batch.events < BATCH) break;
    }
    if (removed.deliveries + removed.events > 0) log.info(removed, 'removed expired deliveries and events');
    return removed;
  };
  const tick = () => {
    current = sweep()
      .catch((error: unknown) => log.warn({ err: error }, 'retention sweep failed; trying again later'))
      .finally(() => {
        current = undefined;
      });
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(tick, INTERVAL_MS);
      timer.unref();
      tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await current;
    },
    sweep,
  };
}
