import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import type { OutboxWake } from '../repositories/outbox.js';
import { sendMessages, type SendRequest, type SendResult } from './messages.js';

/** Stores one message; what the routes call. */
export type MessageSender = (request: SendRequest) => Promise<SendResult>;

export interface SendBatcherOptions {
  readonly db: Kysely<Database>;
  readonly wake: OutboxWake;
  /** Requests stored in one transaction at most (`SEND_BATCH_SIZE`). */
  readonly maxBatchSize: number;
  /** Transactions in flight at once; requests arriving meanwhile wait for the next one (`SEND_CONCURRENCY`). */
  readonly maxInFlight: number;
  /** Told the size of every batch that starts (a metric). */
  readonly onBatch?: (size: number) => void;
}

interface Pending {
  readonly request: SendRequest;
  readonly resolve: (result: SendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for sends. A request starts a transaction at once while fewer than `maxInFlight` are running;
 * otherwise it waits, and the next transaction takes every waiting request (up to `maxBatchSize`). An idle service
 * answers each send with its own transaction; a busy one stores tens of messages per transaction, round trip and
 * commit. Each request still gets its own answer (`sendMessages` refuses requests one by one). When a whole batch
 * fails for a reason other than the database being unreachable, each of its requests is tried alone, in order, so
 * one request the database refuses cannot fail the others.
 */
export function createSendBatcher(options: SendBatcherOptions): MessageSender {
  const { db, wake, maxBatchSize, maxInFlight } = options;
  const waiting: Pending[] = [];
  let inFlight = 0;

  const settle = (pending: Pending, outcome: SendResult | AppError | undefined) => {
    if (outcome instanceof AppError) pending.reject(outcome);
    else if (outcome) pending.resolve(outcome);
    else pending.reject(new Error('no answer for a send request'));
  };

  const store = async (batch: Pending[]) => {
    options.onBatch?.(batch.length);
    try {
      const outcomes = await sendMessages(db, batch.map((p) => p.request), wake);
      batch.forEach((pending, i) => settle(pending, outcomes[i]));
    } catch (error) {
      if (batch.length === 1 || (error instanceof AppError && error.code === 'UNAVAILABLE')) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One after another, so the messages keep the order they arrived in.
      for (const pending of batch) {
        await sendMessages(db, [pending.request], wake).then(([outcome]) => settle(pending, outcome), pending.reject);
      }
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      inFlight++;
      void store(waiting.splice(0, maxBatchSize)).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (request) =>
    new Promise<SendResult>((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      pump();
    });
}
