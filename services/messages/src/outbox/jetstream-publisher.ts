import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { EVENTS_STREAM, MESSAGES_STREAM, natsNames, type NatsNames } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Publisher } from './publisher.js';

const nanos = (ms: number) => ms * 1_000_000;

type StreamKey = keyof NatsNames['streams'];

/** The contract's streams (CONTRACT.md): `MESSAGES`, and since the second release `EVENTS`; same storage settings. */
const STREAMS: Readonly<Record<StreamKey, { readonly maxAgeMs: number; readonly duplicateWindowMs: number }>> = {
  messages: MESSAGES_STREAM,
  events: EVENTS_STREAM,
};

/**
 * Creates the contract's streams that are missing, with this environment's names (`<prefix>_MESSAGES` on
 * `<prefix>.message.>`, `<prefix>_EVENTS` on `<prefix>.conversation.>` and `<prefix>.app.>` with a `NATS_PREFIX`):
 * file storage, 7 days, 2-minute duplicate window. An existing stream is left as it is.
 */
export async function ensureStreams(nc: NatsConnection, names: NatsNames = natsNames()): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const key of Object.keys(STREAMS) as StreamKey[]) {
    const name = names.streams[key];
    try {
      await jsm.streams.info(name);
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
      await jsm.streams.add({
        name,
        subjects: [...names.streamSubjects[key]],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: nanos(STREAMS[key].maxAgeMs),
        duplicate_window: nanos(STREAMS[key].duplicateWindowMs),
      });
    }
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
 * stores contract subjects; `NATS_PREFIX` only changes the wire): `message.*` lands in `MESSAGES`, `app.*` and
 * `conversation.*` in `EVENTS`. The streams are created at once (so gateways can attach their consumers before the
 * first event), and ensured again before a publish after a failure (someone may have deleted one).
 */
export function createJetStreamPublisher(options: JetStreamPublisherOptions): Publisher {
  const log = options.logger.child({ component: 'jetstream-publisher' });
  const { connection: nc, names } = options;
  const js = jetstream(nc);
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= ensureStreams(nc, names).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  ensure().catch((error: unknown) => log.warn({ err: error }, 'could not ensure the JetStream streams yet'));

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

