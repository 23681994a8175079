import type { AppCredentialsRevokedEvent, AuthSession } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import { createCredentialsInterner, epochSecondsOf, sessionDeadline, sessionEndCode, sessionFieldsOf, type SessionFields } from './auth-session.js';
import { createSessionDeadlines } from './session-deadlines.js';
import type { AnySocket, EmittingSocket } from './types.js';

export interface SessionEnforcerOptions {
  /** This node's sockets, both namespaces (a revocation looks through them). */
  readonly sockets: () => Iterable<AnySocket>;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The clock, epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Ends live sockets whose authentication ends: a token past `exp` + leeway (`error TOKEN_EXPIRED`), a rotated-out or
 * revoked credential past its grace (`error INVALID_CREDENTIALS`), then a disconnect of the namespace. Deadlines
 * sit in one per-process structure (`session-deadlines.ts`) swept every second, so both come within ~1 s of the
 * deadline; sockets without one (anonymous devices and admin tokens on current credentials) are not in it.
 */
export interface SessionEnforcer {
  /** What a socket keeps of an authentication's answer (its credential ids arrays shared between sockets). */
  read(session: AuthSession): SessionFields;
  /** The shared array of these credential ids. */
  credentials(ids: readonly string[]): readonly string[];
  /** After a handshake or a refresh: (re)places the socket at the deadline its `data` says (none: not tracked). */
  track(socket: AnySocket): void;
  /** On disconnect. */
  untrack(socket: AnySocket): void;
  /**
   * A revocation, applied to this node's sockets: those of the app that authenticated with `credential_id` end at
   * `valid_until` (at once when it has passed). Returns how many sockets it concerned.
   */
  revoke(event: AppCredentialsRevokedEvent): number;
  start(): void;
  stop(): void;
}

/**
 * How long a node remembers a revocation for sockets still in their handshake: the messages service may have
 * accepted a credential just before it was revoked, and the socket finish connecting (and be tracked) just after the
 * event was applied. Longer than a handshake can take (the messages call's time limit and the auth queue).
 */
const REMEMBER_REVOCATIONS_MS = 60_000;
/** Revocations remembered at most (oldest forgotten first). */
const MAX_REMEMBERED_REVOCATIONS = 10_000;

const MESSAGES = {
  TOKEN_EXPIRED: 'the token expired: connect again with a new one',
  INVALID_CREDENTIALS: 'the credentials were revoked',
} as const;

export function createSessionEnforcer(options: SessionEnforcerOptions): SessionEnforcer {
  const { metrics } = options;
  const now = options.now ?? Date.now;

  const end = (socket: AnySocket) => {
    if (!socket.connected) return;
    const code = sessionEndCode(socket.data, Math.floor(now() / 1000));
    metrics.sessionEnds.inc({ namespace: socket.nsp.name, code });
    // `socket.emit` with connection state recovery goes through the Redis adapter first (to store it for a
    // recovery) and would reach the client after the disconnect packet, which drops it. Emitted to this node only,
    // it is written at once, ahead of the disconnect (and a recovery never replays it).
    (socket as EmittingSocket).nsp.local.to(socket.id).emit('error', { code, message: MESSAGES[code] });
    socket.disconnect();
  };
  const deadlines = createSessionDeadlines<AnySocket>({ now, onDue: end });
  const intern = createCredentialsInterner();
  /** Recent revocations: `app_id credential_id` → when the credential ends (epoch seconds) and when it was learnt. */
  const recent = new Map<string, { until: number; at: number }>();
  const recentKey = (appId: string, credentialId: string) => `${appId} ${credentialId}`;
  const remember = (key: string, until: number) => {
    const at = now();
    for (const [k, entry] of recent) {
      if (at - entry.at < REMEMBER_REVOCATIONS_MS && recent.size < MAX_REMEMBERED_REVOCATIONS) break;
      recent.delete(k);
    }
    recent.delete(key);
    recent.set(key, { until, at });
  };
  /** A socket that authenticated with a credential revoked a moment ago ends when the revocation says. */
  const applyRecent = (socket: AnySocket) => {
    const data = socket.data;
    if (recent.size === 0 || !data?.credentials) return;
    for (const id of data.credentials) {
      const entry = recent.get(recentKey(data.principal.app_id, id));
      if (!entry || now() - entry.at >= REMEMBER_REVOCATIONS_MS) continue;
      if (data.credentialsUntil === undefined || entry.until < data.credentialsUntil) data.credentialsUntil = entry.until;
    }
  };

  return {
    read: (session) => sessionFieldsOf(session, intern),
    credentials: intern,
    track(socket) {
      if (!socket.connected) return;
      applyRecent(socket);
      deadlines.set(socket, sessionDeadline(socket.data));
    },
    untrack: (socket) => deadlines.delete(socket),
    revoke(event) {
      // A `valid_until` already passed ends the sockets now; a later one at its second (rounded up).
      const atOnce = Date.parse(event.valid_until) <= now();
      const until = atOnce ? Math.floor(now() / 1000) : epochSecondsOf(event.valid_until)!;
      remember(recentKey(event.app_id, event.credential_id), until);
      const concerned: AnySocket[] = [];
      for (const socket of options.sockets()) {
        const data = socket.data;
        if (data?.principal?.app_id !== event.app_id || !data.credentials?.includes(event.credential_id)) continue;
        if (data.credentialsUntil === undefined || until < data.credentialsUntil) data.credentialsUntil = until;
        concerned.push(socket);
      }
      for (const socket of concerned) {
        if (atOnce) {
          deadlines.delete(socket);
          end(socket);
        } else deadlines.set(socket, sessionDeadline(socket.data));
      }
      if (concerned.length > 0) {
        options.logger.info({ app_id: event.app_id, which: event.which, sockets: concerned.length, valid_until: event.valid_until }, 'credentials revoked');
      }
      return concerned.length;
    },
    start: () => deadlines.start(),
    stop: () => deadlines.stop(),
  };
}
