import { EVENTS_CONSUMER, EVENTS_STREAM, FANOUT_CONSUMER, MESSAGES_STREAM, SUBJECTS } from './nats.js';

/** `NATS_PREFIX`: 1–32 characters of `A–Z a–z 0–9 _ -` (valid in a subject token, a stream and a consumer name). */
export const NATS_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const NATS_PREFIX_RULE = '1-32 characters of A-Z a-z 0-9 _ -';

/**
 * Every stream, subject and durable consumer name of the contract, including the second release's (`EVENTS`, the
 * webhooks' consumers), as the contract's unprefixed names. `natsNames()` derives an environment's names from them.
 */
const BASE = Object.freeze({
  streams: { messages: MESSAGES_STREAM.name, events: EVENTS_STREAM.name },
  /** What each stream captures. */
  streamSubjects: { messages: [...MESSAGES_STREAM.subjects], events: [...EVENTS_STREAM.subjects] },
  subjects: {
    ...SUBJECTS,
    conversationUpdated: 'conversation.updated',
  },
  consumers: { gatewayFanout: FANOUT_CONSUMER, gatewayEvents: EVENTS_CONSUMER, webhooksMessages: 'webhooks-messages', webhooksEvents: 'webhooks-events' },
});

type Names<T> = { readonly [K in keyof T]: T[K] extends readonly string[] ? readonly string[] : string };

/** The NATS names of one environment (one `NATS_PREFIX`). */
export interface NatsNames {
  /** The prefix, `''` when none. */
  readonly prefix: string;
  readonly streams: Names<typeof BASE.streams>;
  readonly streamSubjects: { readonly [K in keyof typeof BASE.streamSubjects]: readonly string[] };
  /** Wire subjects (what is published and what a consumer sees in `msg.subject`). */
  readonly subjects: Names<typeof BASE.subjects>;
  readonly consumers: Names<typeof BASE.consumers>;
  /** The wire subject of a contract subject: `message.created` → `<prefix>.message.created`. */
  subject(subject: string): string;
  /** The contract subject of a wire subject of this environment, or `undefined` when it is not one of ours. */
  contractSubject(wireSubject: string): string | undefined;
  /**
   * The core NATS subject of a gateway room (interest-based fan-out, docs/scaling.md): `<prefix>.room.<namespace>.
   * <kind>.<id>` for the room `<kind>:<id>` of the `client` or `admin` namespace. Outside every stream's subjects, so
   * JetStream never stores it. See `roomSubject`.
   */
  roomSubject(namespace: RoomNamespace, room: string): string;
  /** Every room subject of this environment (`<prefix>.room.>`). */
  readonly rooms: string;
}

/** The Socket.IO namespaces whose rooms have a NATS subject. */
export type RoomNamespace = 'client' | 'admin';

/** Characters an id keeps as is in a subject token; anything else is encoded. */
const PLAIN_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * One subject token for a room's id: ids of our own (`conv_…`, `app_…`, hex) as they are; any other string (an
 * app's own `user_id`, which may hold `.`, `*`, `>` or spaces) as `~` and its base64url, which cannot collide with a
 * plain token (`~` is not in one).
 */
export function roomToken(id: string): string {
  return PLAIN_TOKEN.test(id) ? id : `~${base64url(new TextEncoder().encode(id))}`;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** base64url without padding; the protocol library also runs in browsers (no `Buffer`). */
function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.ceil(((Math.min(3, bytes.length - i)) * 8) / 6);
    for (let c = 0; c < chars; c++) out += B64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** `conv:abc` on `/client` → `room.client.conv.abc` (unprefixed). */
function roomSubjectOf(namespace: RoomNamespace, room: string): string {
  const colon = room.indexOf(':');
  if (colon <= 0 || !PLAIN_TOKEN.test(room.slice(0, colon))) throw new Error(`not a room name: ${JSON.stringify(room)}`);
  return `room.${namespace}.${room.slice(0, colon)}.${roomToken(room.slice(colon + 1))}`;
}

/**
 * The one place NATS names are built (CONTRACT.md, second release, `NATS_PREFIX`): with a prefix `p`, every subject
 * becomes `p.<subject>`, every stream `p_<STREAM>` and every durable consumer `p_<consumer>`, so that environments
 * sharing one NATS server (without one account each) never share a stream or a consumer. An empty prefix keeps
 * the contract's names.
 */
export function natsNames(prefix = ''): NatsNames {
  if (prefix !== '' && !NATS_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`NATS prefix must be ${NATS_PREFIX_RULE}, got ${JSON.stringify(prefix)}`);
  }
  const subject = (s: string) => (prefix ? `${prefix}.${s}` : s);
  const named = (n: string) => (prefix ? `${prefix}_${n}` : n);
  const map = <T extends Record<string, string>>(o: T, f: (v: string) => string) =>
    Object.freeze(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]))) as Names<T>;
  const wirePrefix = prefix ? `${prefix}.` : '';
  return Object.freeze({
    prefix,
    streams: map(BASE.streams, named),
    streamSubjects: Object.freeze({
      messages: Object.freeze(BASE.streamSubjects.messages.map(subject)),
      events: Object.freeze(BASE.streamSubjects.events.map(subject)),
    }),
    subjects: map(BASE.subjects, subject),
    consumers: map(BASE.consumers, named),
    subject,
    contractSubject: (wire: string) => (wire.startsWith(wirePrefix) ? wire.slice(wirePrefix.length) : undefined),
    roomSubject: (namespace: RoomNamespace, room: string) => subject(roomSubjectOf(namespace, room)),
    rooms: subject('room.>'),
  });
}
