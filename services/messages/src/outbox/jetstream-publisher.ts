import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { MESSAGES_STREAM, natsNames, type NatsNames } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Publisher } from './publisher.js';

const nanos = (ms: number) => ms * 1_000_000;

/**
 * Creates the contract's `MESSAGES` stream (`<prefix>_MESSAGES` on `<prefix>.message.>` with a `NATS_PREFIX`) if it
 * is missing: file storage, 7 days, 2-minute duplicate window.
 */
export async function ensureMessagesStream(nc: NatsConnection, names: NatsNames = natsNames()): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(names.streams.messages);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    await jsm.streams.add({
      name: names.streams.messages,
      subjects: [...names.streamSubjects.messages],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(MESSAGES_STREAM.maxAgeMs),
      duplicate_window: nanos(MESSAGES_STREAM.duplicateWindowMs),
    });
  }
}

function isStreamNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}

export interface JetStreamPublisherOptions {
  readonly connection: NatsConnection;
  readonly logger: Logger;
  /** This environment's stream and subjects (`natsNames(NATS_PREFIX)`). */
  readonly names: NatsNames;
}

/** PubAck wait. */
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Publishes to JetStream with `Nats-Msg-Id`, on the wire subject of the contract subject it is given (the outbox
 * stores contract subjects; `NATS_PREFIX` only changes the wire). The stream is created at once (so gateways can
 * attach their consumer before the first message), and ensured again before a publish after a failure (someone
 * may have deleted it).
 */
export function createJetStreamPublisher(options: JetStreamPublisherOptions): Publisher {
  const log = options.logger.child({ component: 'jetstream-publisher' });
  const { connection: nc, names } = options;
  const js = jetstream(nc);
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= ensureMessagesStream(nc, names).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  ensure().catch((error: unknown) => log.warn({ err: error }, 'could not ensure the JetStream stream yet'));

  return {
    async publish(subject, data, msgId) {
      if (nc.isClosed()) throw new Error('NATS is not connected');
      await ensure();
      try {
        const ack = await js.publish(names.subject(subject), data, { msgID: msgId, timeout: PUBLISH_TIMEOUT_MS });
        return { duplicate: ack.duplicate };
      } catch (error) {
        ready = undefined; // re-check the stream on the next attempt
        throw error;
      }
    },
  };
}

