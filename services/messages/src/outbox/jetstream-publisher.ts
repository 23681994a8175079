import { createInbox, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
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
  /** PubAck wait. @default 5000 */
  readonly timeoutMs?: number;
}

/** PubAck wait. */
const PUBLISH_TIMEOUT_MS = 5000;

/** A publish waiting for its PubAck. */
interface Pending {
  readonly resolve: (ack: { duplicate: boolean }) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
  readonly key: StreamKey | undefined;
}

/** A JetStream PubAck, or its error (`{"error":{"code":…,"err_code":…,"description":…}}`). */
interface PubAck {
  readonly stream?: string;
  readonly duplicate?: boolean;
  readonly error?: { readonly code?: number; readonly err_code?: number; readonly description?: string };
}

/**
 * Publishes to JetStream with `Nats-Msg-Id`, on the wire subject of the contract subject it is given (the outbox
 * stores contract subjects; `NATS_PREFIX` only changes the wire): `message.*` lands in `MESSAGES`, `app.*` and
 * `conversation.*` in `EVENTS`. Both streams are created at once (so gateways can attach their consumers before the
 * first event), and a stream is ensured again before a publish to it after a failure (someone may have deleted
 * it). Each stream on its own: a stream that cannot be made (a subject overlap, missing permissions) holds back
 * only its own events, never the other stream's.
 *
 * A publish is a core NATS publish with a reply subject under one inbox subscription of the publisher's own, so
 * the relay's batch goes out pipelined and each PubAck settles its publish by the reply's token: no request object,
 * timer or error object per publish (what `jetstream().publish` makes through `nc.request`; ~28 µs of CPU each,
 * docs/performance.md). One timer serves every publish in flight: it fails those whose PubAck is `timeoutMs` late.
 */
export function createJetStreamPublisher(options: JetStreamPublisherOptions): Publisher {
  const log = options.logger.child({ component: 'jetstream-publisher' });
  const { connection: nc, names } = options;
  const timeoutMs = options.timeoutMs ?? PUBLISH_TIMEOUT_MS;
  /**
   * The stream check in progress or done per stream, with the server connection it was begun on: nats.js's `info`,
   * "the ServerInfo of the currently connected server, or undefined", a new object at every (re)connection (and at
   * each INFO a cluster sends: a check then begun again costs one more request).
   */
  const ready = new Map<StreamKey, { readonly promise: Promise<void>; readonly on: object }>();
  /** Streams known to exist since their last failure: a publish to them does not wait for `ensure`. */
  const ensured = new Set<StreamKey>();
  const ensure = (key: StreamKey): Promise<void> => {
    const on = nc.info;
    // NATS away: fail now. A check begun now would be lost with the connection (nats.js drops what it buffered at
    // its next attempt) and end only at JetStream's API timeout, 5 s.
    if (!on) return Promise.reject(new Error('NATS is not connected'));
    const current = ready.get(key);
    // A check begun on an earlier connection may wait for an answer that went with it: publishes after NATS returned
    // waited for it up to 5 s (docs/reliability.md, "NATS: where the seconds went"). Begun again on this one.
    if (current?.on === on) return current.promise;
    const promise: Promise<void> = jetstreamManager(nc)
      .then((jsm) => ensureStream(jsm, names, key))
      .then(
        () => {
          if (ready.get(key)?.promise === promise) ensured.add(key);
        },
        (error: unknown) => {
          if (ready.get(key)?.promise === promise) ready.delete(key);
          throw error;
        },
      );
    ready.set(key, { promise, on });
    return promise;
  };
  const forget = (key: StreamKey | undefined) => {
    if (!key) return;
    ready.delete(key); // re-check the stream on the next attempt
    ensured.delete(key);
  };
  for (const key of STREAM_KEYS) {
    ensure(key).catch((error: unknown) => log.warn({ err: error, stream: names.streams[key] }, 'could not ensure the JetStream stream yet'));
  }

  /** Contract subject → its stream and wire subject, worked out once per subject. */
  const routes = new Map<string, { readonly key: StreamKey | undefined; readonly wire: string }>();
  const route = (subject: string) => {
    let r = routes.get(subject);
    if (!r) {
      r = { key: streamOf(subject), wire: names.subject(subject) };
      routes.set(subject, r);
    }
    return r;
  };

  const inbox = `${createInbox()}.`;
  const pending = new Map<string, Pending>();
  let serial = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const settle = (token: string, error: Error | undefined, ack?: { duplicate: boolean }) => {
    const entry = pending.get(token);
    if (!entry) return; // late: already timed out
    pending.delete(token);
    if (error) {
      forget(entry.key);
      entry.reject(error);
    } else entry.resolve(ack!);
  };
  const failAll = (error: Error) => {
    for (const token of [...pending.keys()]) settle(token, error);
  };
  /** Fails the publishes whose PubAck is late; entries are in publish order, so their deadlines are too. */
  const sweep = () => {
    timer = undefined;
    const now = Date.now();
    for (const [token, entry] of pending) {
      if (entry.deadline > now) {
        timer = setTimeout(sweep, entry.deadline - now).unref();
        return;
      }
      settle(token, new Error(`no JetStream acknowledgement within ${timeoutMs} ms`));
    }
  };

  const replies = nc.subscribe(`${inbox}*`, {
    callback: (error, msg) => {
      if (error) return failAll(error);
      const token = msg.subject.slice(inbox.length);
      if (msg.data.length === 0) {
        // A status without a body: 503 when no stream captures the subject (JetStream's "no responders").
        const code = msg.headers?.code ?? 0;
        return settle(token, new Error(code === 503 ? 'no JetStream stream answered (no responders)' : `JetStream answered status ${code}`));
      }
      let ack: PubAck;
      try {
        ack = JSON.parse(msg.string()) as PubAck;
      } catch {
        return settle(token, new Error('invalid JetStream acknowledgement'));
      }
      if (ack.error) return settle(token, new Error(`JetStream refused the publish: ${ack.error.description ?? 'error'} (${ack.error.err_code ?? ack.error.code ?? '?'})`));
      if (!ack.stream) return settle(token, new Error('invalid JetStream acknowledgement'));
      settle(token, undefined, { duplicate: ack.duplicate === true });
    },
  });
  void replies.closed.then((error) => failAll(error ?? new Error('NATS is not connected')));

  const send = (wire: string, key: StreamKey | undefined, data: Uint8Array, msgId: string) =>
    new Promise<{ duplicate: boolean }>((resolve, reject) => {
      if (nc.isClosed() || replies.isClosed()) return reject(new Error('NATS is not connected'));
      const token = (serial++).toString(36);
      const h = headers();
      h.set('Nats-Msg-Id', msgId);
      pending.set(token, { resolve, reject, deadline: Date.now() + timeoutMs, key });
      try {
        nc.publish(wire, data, { reply: inbox + token, headers: h });
      } catch (error) {
        pending.delete(token);
        forget(key);
        return reject(error instanceof Error ? error : new Error(String(error)));
      }
      timer ??= setTimeout(sweep, timeoutMs).unref();
    });

  return {
    publish(subject, data, msgId) {
      if (nc.isClosed()) return Promise.reject(new Error('NATS is not connected'));
      const { key, wire } = route(subject);
      if (!key || ensured.has(key)) return send(wire, key, data, msgId);
      return ensure(key).then(() => send(wire, key, data, msgId));
    },
  };
}
