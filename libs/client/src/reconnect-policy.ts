import { fullJitterDelay, type BackoffOptions } from './backoff.js';

export interface ReconnectPolicyOptions {
  readonly backoff?: BackoffOptions;
  /** The backoff starts over only once a connection stayed up this long. @default 10000 */
  readonly stableAfterMs?: number;
  /** Extra delay added to the server's `reconnect_delay_ms` hint, at most. @default 1000 */
  readonly shutdownJitterMs?: number;
  /** Extra delay added to a refusal's `retry_after_ms`, at most. @default 250 */
  readonly retryJitterMs?: number;
  readonly random?: () => number;
}

/**
 * When to try the next connection: the server's hint (plus jitter) when it gave one (its shutdown's
 * `reconnect_delay_ms`, or a refusal's `retry_after_ms`: the slot a loaded node gave this client), else exponential
 * backoff with full jitter. The attempt counter starts over only after a connection stayed up `stableAfterMs`: a
 * connection that drops right after it opens (a send that kills it, a proxy that cuts it) keeps backing off instead
 * of looping at the first step.
 */
export class ReconnectPolicy {
  readonly #options: ReconnectPolicyOptions;
  #attempt = 0;
  #hint: { readonly delayMs: number; readonly jitterMs: number } | undefined;
  #stable: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ReconnectPolicyOptions = {}) {
    this.#options = options;
  }

  /** A connection is up: once it stays up long enough, the backoff starts over. */
  connected(): void {
    clearTimeout(this.#stable);
    this.#stable = setTimeout(() => (this.#attempt = 0), this.#options.stableAfterMs ?? 10_000);
  }

  /** The connection is gone (or never came): it did not prove stable. */
  dropped(): void {
    clearTimeout(this.#stable);
    this.#stable = undefined;
  }

  /** The server announced its shutdown and when to come back (`reconnect_delay_ms`). */
  hint(delayMs: number): void {
    this.#hint = { delayMs: Math.max(0, delayMs), jitterMs: this.#options.shutdownJitterMs ?? 1000 };
  }

  /** The server refused the handshake for load and said when to come back (`retry_after_ms`). */
  retryAfter(delayMs: number): void {
    if (!Number.isFinite(delayMs)) return;
    this.#hint = { delayMs: Math.max(0, delayMs), jitterMs: this.#options.retryJitterMs ?? 250 };
  }

  /** The delay before the next attempt, and its number (from 0). */
  next(): { delayMs: number; attempt: number } {
    this.dropped();
    const random = this.#options.random ?? Math.random;
    const attempt = this.#attempt++;
    const hint = this.#hint;
    const delayMs = hint ? hint.delayMs + Math.floor(random() * hint.jitterMs) : fullJitterDelay(attempt, this.#options.backoff, random);
    this.#hint = undefined;
    return { delayMs, attempt };
  }

  close(): void {
    this.dropped();
  }
}
