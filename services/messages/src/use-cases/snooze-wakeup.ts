import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { Counter } from '@switchboard/metrics';
import { sleep } from '@switchboard/runtime';
import type { ConversationRow, Database } from '../db/schema.js';
import { conversationUpdatedEvent } from '../domain/conversation-events.js';
import { reopenDueSnoozedConversations } from '../repositories/conversations.js';
import { enqueueOutboxEvents, notifyEach, type OutboxWake } from '../repositories/outbox.js';

/**
 * Reopens up to `limit` snoozed conversations that are due, in one transaction with one `conversation.updated`
 * outbox event each (CONTRACT.md, workflow: the snooze timer is a change like any other), and answers them. Safe
 * to run on several replicas at once (`reopenDueSnoozedConversations`: `SKIP LOCKED`). Once it committed, `wake`
 * tells the outbox relay.
 */
export async function reopenDueConversations(
  db: Kysely<Database>,
  limit: number,
  wake: OutboxWake = notifyEach(db),
): Promise<ConversationRow[]> {
  const reopened = await db.transaction().execute(async (trx) => {
    const rows = await reopenDueSnoozedConversations(trx, limit);
    await enqueueOutboxEvents(trx, rows.map(conversationUpdatedEvent));
    return rows;
  });
  if (reopened.length > 0) wake();
  return reopened;
}

export interface SnoozeWakeupOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** Wakes the outbox relay after a transaction that reopened some. */
  readonly wake: OutboxWake;
  /** Counts the conversations this replica reopened. */
  readonly reopened: Counter;
  /** Pause between ticks (`SNOOZE_WAKEUP_INTERVAL_MS`). */
  readonly intervalMs: number;
  /** Conversations per transaction (`SNOOZE_WAKEUP_BATCH_SIZE`). */
  readonly batchSize: number;
}

export interface SnoozeWakeup extends AsyncDisposable {
  start(): void;
  /** Stops after the transaction in flight. */
  close(): Promise<void>;
}

/**
 * The snooze timer of every replica: each `intervalMs` a tick reopens the due conversations, a batch per
 * transaction until a batch comes back short, so a due conversation reopens within about `intervalMs` (the
 * contract's bound is `WORKFLOW.snoozeWakeBoundMs`). Replicas need no lease: the statement skips the rows another
 * holds. A tick that fails (the database is down) is logged once per outage, then retried each interval; the
 * return is logged once too.
 */
export function createSnoozeWakeup(options: SnoozeWakeupOptions): SnoozeWakeup {
  const log = options.logger.child({ component: 'snooze-wakeup' });
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let failures = 0;

  const tick = async () => {
    for (;;) {
      const rows = await reopenDueConversations(options.db, options.batchSize, options.wake);
      if (rows.length > 0) {
        options.reopened.inc(rows.length);
        log.debug({ reopened: rows.length }, 'reopened snoozed conversations');
      }
      if (rows.length < options.batchSize || stopping.signal.aborted) return;
    }
  };

  const run = async () => {
    while (!stopping.signal.aborted) {
      try {
        await tick();
        if (failures > 0) {
          log.info({ failures }, 'snooze wake-up recovered');
          failures = 0;
        }
      } catch (error) {
        failures++;
        // One line per outage, then debug: the tick is retried every interval.
        log[failures === 1 ? 'warn' : 'debug']({ err: error, failures }, 'snooze wake-up failed; retrying');
      }
      await sleep(options.intervalMs, stopping.signal);
    }
  };

  const close = async () => {
    stopping.abort();
    await loop;
  };
  return {
    start() {
      if (!stopping.signal.aborted) loop ??= run();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
