import type { ErrorCode } from '@switchboard/protocol';
import { GatewayError } from './errors.js';

/**
 * Why a handshake was refused, the `reason` label of `handshake_refusals_total` beside its `code` (what the client
 * sees). Several reasons share a code: `UNAVAILABLE` is the messages service failing (`unavailable`) or this
 * node's auth queue being full (`queue_full`), which a client treats alike (retry later) but an operator does not.
 */
export const REFUSAL_REASONS = {
  missing_params: 'MISSING_PARAMS',
  invalid_credentials: 'INVALID_CREDENTIALS',
  foreign_session: 'INVALID_CREDENTIALS',
  token_expired: 'TOKEN_EXPIRED',
  unavailable: 'UNAVAILABLE',
  queue_full: 'UNAVAILABLE',
  /** The connection closed before its handshake was checked (a flood tripped `connect-flood.ts`, or the client left). */
  connection_closed: 'UNAVAILABLE',
  /** `namespace="engine"`: a second `CONNECT` for a namespace closed the connection (`connect-flood.ts`). */
  flood: 'RATE_LIMITED',
  rate_limited: 'RATE_LIMITED',
  not_found: 'NOT_FOUND',
} as const satisfies Record<string, ErrorCode>;

export type RefusalReason = keyof typeof REFUSAL_REASONS;

/** The reason of a refusal known only by its code (the first one listed for it). */
export function reasonOfCode(code: ErrorCode): RefusalReason | 'other' {
  const entry = Object.entries(REFUSAL_REASONS).find(([, c]) => c === code);
  return entry ? (entry[0] as RefusalReason) : 'other';
}

/** A refusal decided by the gateway itself (not the messages service), with its reason. */
export class HandshakeRefused extends GatewayError {
  readonly reason: RefusalReason;
  /** When the client should try again, in ms (`retry_after_ms` of the `connect_error`); unset: its own backoff. */
  readonly retryAfterMs: number | undefined;
  constructor(reason: RefusalReason, message: string, retryAfterMs?: number) {
    super(REFUSAL_REASONS[reason], message);
    this.name = 'HandshakeRefused';
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

const isReason = (value: unknown): value is RefusalReason => typeof value === 'string' && Object.hasOwn(REFUSAL_REASONS, value);

/** The refusal's reason: the one given, or a gateway refusal's own, else the one of its code. */
export const reasonOf = (why: RefusalReason | unknown, code: ErrorCode): RefusalReason | 'other' =>
  isReason(why) ? why : why instanceof HandshakeRefused ? why.reason : reasonOfCode(code);
