import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, MESSAGES_STREAM, natsNames, type NatsNames } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Publisher } from './publisher.js';

const nanos = (ms: number) => ms * 1_000_000;

type StreamKey = keyof NatsNames['streams'];

/**
 * The contract's streams (CONTRACT.md): `MESSAGES`, and since the second release `EVENTS`; same storage settings.
 * `subjects` are the contract's (unprefixed) subjects each captures.
 */
const STREAMS: Readonly<Record<StreamKey, { readonly subjects: readonly string[]; readonly maxAgeMs: number; readonly duplicateWindowMs: number }>> = {
  messages: MESSAGES_STREAM,
  events: EVENTS_STREAM,
};
const STREAM_KEYS = Object.keys(STREAMS) as StreamKey[];

/** The stream that captures a contract subject (`message.created` → `messages`), if any. */
function streamOf(subject: string): StreamKey | undefined {
  return STREAM_KEYS.find((key) => STREAMS[key].subjects.some((pattern) => subject.startsWith(pattern.replace(/>$/, ''))));
}

/**
 * Creates the contract's stream if it is missing, with this environment's name and subjects (`<prefix>_EVENTS` on
 * `<prefix>.conversation.>` and `<prefix>.app.>` with a `NATS_PREFIX`): file storage, 7 days, 2-minute duplicate
 * window. An existing stream is left as it is.
 */
async function ensureStream(jsm: JetStreamManager, names: NatsNames, key: StreamKey): Promise<void> {
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

/** Creates the contract's streams that are missing (`MESSAGES`, `EVENTS`; see `ensureStream`). */
export async function ensureStreams(nc: NatsConnection, names: NatsNames = natsNames()): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const key of STREAM_KEYS) await ensureStream(jsm, names, key);
}

function isStreamNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}

export interface JetStreamPublisherOptions {
  readonly connection: NatsConnection;
  readonly logger: Logger;
  /** This environment's streams and subjects (`natsNames(NATS_PREFIX)`). */
  readonly names: NatsNames;
}

/** PubAck wait. */
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Publishes to JetStream with `Nats-Msg-Id`, on the wire subject of the contract subject it is given (the outbox
 * stores contract subjects; `NATS_PREFIX` only changes the wire): `message.*` lands in `MESSAGES`, `app.*` and
 * `conversation.*` in `EVENTS`. Both streams are created at once (so gateways can attach their consumers before the
 * first event), and a stream is ensured again before a publish to it after a failure (someone may have deleted
 * it). Each stream on its own: a stream that cannot be made (a subject overlap, missing permissions) holds back
 * only its own events, never the other stream's.
 */
export function createJetStreamPublisher(options: JetStreamPublisherOptions): Publisher {
  const log = options.logger.child({ component: 'jetstream-publisher' });
  const { connection: nc, names } = options;
  const js = jetstream(nc);
  const ready = new Map<StreamKey, Promise<void>>();
  const ensure = (key: StreamKey): Promise<void> => {
    let promise = ready.get(key);
    if (!promise) {
      promise = jetstreamManager(nc)
        .then((jsm) => ensureStream(jsm, names, key))
        .catch((error: unknown) => {
          ready.delete(key);
          throw error;
        });
      ready.set(key, promise);
    }
    return promise;
  };
  for (const key of STREAM_KEYS) {
    ensure(key).catch((error: unknown) => log.warn({ err: error, stream: names.streams[key] }, 'could not ensure the JetStream stream yet'));
  }

  return {
    async publish(subject, data, msgId) {
      if (nc.isClosed()) throw new Error('NATS is not connected');
      const key = streamOf(subject);
      if (key) await ensure(key);
      try {
        const ack = await js.publish(names.subject(subject), data, { msgID: msgId, timeout: PUBLISH_TIMEOUT_MS });
        return { duplicate: ack.duplicate };
      } catch (error) {
        if (key) ready.delete(key); // re-check the stream on the next attempt
        throw error;
      }
    },
  };
}
