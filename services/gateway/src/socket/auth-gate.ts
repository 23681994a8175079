import { createHash } from 'node:crypto';
import type {
  AdminAuth,
  ClientAuth,
  ErrorCode,
  InternalAuthAdminResponse,
  InternalAuthClientResponse,
} from '@switchboard/protocol';
import type { MessagesApi } from '../messages-api.js';
import type { GatewayMetrics } from '../metrics.js';
import { errorCodeOf, GatewayError } from './errors.js';
import { HandshakeRefused } from './handshake-refusals.js';
import { createRetryPacer } from './retry-pacer.js';

/**
 * How long a definitive refusal of the messages service (`INVALID_CREDENTIALS`, `TOKEN_EXPIRED`) is reused for the
 * same credentials: a flood with one bad key costs one call per this long. Credentials made valid meanwhile (a new
 * identity key, a policy back to `optional`) work at most this much later.
 */
export const NEGATIVE_AUTH_TTL_MS = 2_000;
/** Refusals remembered at most (the oldest goes first); a few hundred bytes each. */
const NEGATIVE_AUTH_MAX_ENTRIES = 10_000;
const DEFINITIVE: ReadonlySet<ErrorCode> = new Set(['INVALID_CREDENTIALS', 'TOKEN_EXPIRED']);

/** The part of a Socket.IO socket the gate reads: whether its Engine.IO connection is still open. */
export interface HandshakingSocket {
  readonly conn: { readonly readyState: string };
}

export interface AuthGateOptions {
  /** Auth calls to the messages service in flight at most (`AUTH_CONCURRENCY`); 0: unbounded. */
  readonly concurrency: number;
  /** Handshakes that may wait for a slot (`AUTH_QUEUE_LENGTH`); past that, refused `UNAVAILABLE` at once. */
  readonly queueLength: number;
  readonly metrics: GatewayMetrics;
  readonly negativeTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The handshakes' way to the messages service: `MessagesApi`'s auth calls, bounded and with refusals remembered. */
export interface AuthGate {
  authenticateClient(socket: HandshakingSocket, auth: ClientAuth): Promise<InternalAuthClientResponse>;
  authenticateAdmin(socket: HandshakingSocket, auth: AdminAuth): Promise<InternalAuthAdminResponse>;
}

interface Waiter {
  readonly socket: HandshakingSocket;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const isOpen = (socket: HandshakingSocket) => socket.conn.readyState === 'open';
const closed = () => new HandshakeRefused('connection_closed', 'the connection closed');

/**
 * Stands between the handshakes and the messages service so that a flood queues or is refused instead of starving
 * good clients (issue 14):
 * - at most `concurrency` auth calls in flight per process; then up to `queueLength` handshakes wait in order, and
 *   past that one is refused `UNAVAILABLE` (`queue_full`) at once, without a call, and told when to come back
 *   (`retry_after_ms`, `retry-pacer.ts`);
 * - a handshake whose connection closed (a flood closed by `connect-flood.ts`, a client that left while queued) is
 *   dropped without a call, when it arrives and when its turn comes;
 * - an `INVALID_CREDENTIALS` or `TOKEN_EXPIRED` answer is reused for the same credentials for `negativeTtlMs`, keyed
 *   by a hash of them (never the credentials: the map would otherwise hold secrets).
 * Successful answers are not reused here: `MessagesApi` shares a device's in flight and caches an agent's.
 */
export function createAuthGate(api: Pick<MessagesApi, 'authenticateClient' | 'authenticateAdmin'>, options: AuthGateOptions): AuthGate {
  const { metrics } = options;
  const now = options.now ?? Date.now;
  const negativeTtlMs = options.negativeTtlMs ?? NEGATIVE_AUTH_TTL_MS;
  const refusals = new Map<string, { readonly expires: number; readonly code: ErrorCode; readonly message: string }>();
  const queue: Waiter[] = [];
  let inFlight = 0;
  const pacer = createRetryPacer({ concurrency: options.concurrency, now });

  const bounded = options.concurrency > 0;
  const acquire = (socket: HandshakingSocket): Promise<void> | undefined => {
    if (!bounded || inFlight < options.concurrency) {
      inFlight++;
      metrics.authInFlight.set(inFlight);
      return undefined;
    }
    if (queue.length >= options.queueLength) {
      metrics.authGate.inc({ result: 'queue_full' });
      throw new HandshakeRefused('queue_full', 'too many handshakes in progress, retry later', pacer.slot(inFlight + queue.length));
    }
    metrics.authGate.inc({ result: 'queued' });
    return new Promise<void>((resolve, reject) => {
      queue.push({ socket, resolve, reject });
      metrics.authQueued.set(queue.length);
    });
  };
  const release = () => {
    inFlight--;
    while (queue.length > 0 && inFlight < options.concurrency) {
      const next = queue.shift()!;
      if (!isOpen(next.socket)) {
        metrics.authGate.inc({ result: 'connection_closed' });
        next.reject(closed());
        continue;
      }
      inFlight++;
      next.resolve();
    }
    metrics.authInFlight.set(inFlight);
    metrics.authQueued.set(queue.length);
  };

  const remembered = (key: string) => {
    const hit = refusals.get(key);
    if (!hit) return undefined;
    if (hit.expires > now()) return hit;
    refusals.delete(key);
    return undefined;
  };
  const remember = (key: string, error: unknown) => {
    const code = errorCodeOf(error);
    if (!DEFINITIVE.has(code) || !(error instanceof GatewayError)) return;
    if (refusals.size >= NEGATIVE_AUTH_MAX_ENTRIES) refusals.delete(refusals.keys().next().value!);
    refusals.set(key, { expires: now() + negativeTtlMs, code, message: error.message });
  };

  async function gated<T>(socket: HandshakingSocket, key: string, call: () => Promise<T>): Promise<T> {
    if (!isOpen(socket)) {
      metrics.authGate.inc({ result: 'connection_closed' });
      throw closed();
    }
    const refused = remembered(key);
    if (refused) {
      metrics.authGate.inc({ result: 'cached_refusal' });
      throw new GatewayError(refused.code, refused.message);
    }
    const waiting = acquire(socket);
    if (waiting) await waiting;
    const started = now();
    try {
      metrics.authGate.inc({ result: 'called' });
      return await call();
    } catch (error) {
      remember(key, error);
      throw error;
    } finally {
      const tookMs = now() - started;
      pacer.observe(tookMs);
      metrics.authCallSeconds.observe(tookMs / 1000);
      release();
    }
  }

  const keyOf = (...parts: (string | undefined)[]) =>
    createHash('sha256').update(parts.map((part) => part ?? '').join('\0')).digest('base64url');

  return {
    authenticateClient: (socket, auth) =>
      gated(socket, keyOf('c', auth.app_id, auth.device_id, auth.api_key, auth.user_token), () => api.authenticateClient(auth)),
    authenticateAdmin: (socket, auth) =>
      gated(socket, keyOf('a', auth.app_id, auth.admin_token, auth.agent_token), () => api.authenticateAdmin(auth)),
  };
}
