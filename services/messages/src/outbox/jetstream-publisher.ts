import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream';
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
  /** The connection, or its promise while NATS is still being reached at start. */
  readonly connection: NatsConnection | Promise<NatsConnection>;
  readonly logger: Logger;
  /** This environment's stream and subjects (`NATS_PREFIX`). @default natsNames(): the contract's names */
  readonly names?: NatsNames;
  /** PubAck wait. @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Publishes to JetStream with `Nats-Msg-Id`, on the wire subject of the contract subject it is given (the outbox
 * stores contract subjects; `NATS_PREFIX` only changes the wire). The stream is ensured before the first publish and again after a
 * failure (someone may have deleted it); until the connection exists, publishes fail fast and the outbox keeps
 * the events.
 */
export function createJetStreamPublisher(options: JetStreamPublisherOptions): Publisher {
  const log = options.logger.child({ component: 'jetstream-publisher' });
  const names = options.names ?? natsNames();
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let ready: Promise<void> | undefined;
  const ensure = (connection: NatsConnection) => {
    ready ??= ensureMessagesStream(connection, names).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  const attach = (connection: NatsConnection) => {
    nc = connection;
    js = jetstream(connection);
    // Create the stream right away, so gateways can attach their consumer before the first message.
    ensure(connection).catch((error: unknown) => log.warn({ err: error }, 'could not ensure the JetStream stream yet'));
  };
  if (options.connection instanceof Promise) {
    options.connection.then(attach, (error: unknown) => log.error({ err: error }, 'NATS connection failed'));
  } else {
    attach(options.connection);
  }

  return {
    async publish(subject, data, msgId) {
      if (!nc || !js || nc.isClosed()) throw new Error('NATS is not connected');
      await ensure(nc);
      try {
        const ack = await js.publish(names.subject(subject), data, { msgID: msgId, timeout: options.timeoutMs ?? 5000 });
        return { duplicate: ack.duplicate };
      } catch (error) {
        ready = undefined; // re-check the stream on the next attempt
        throw error;
      }
    },
  };
}
