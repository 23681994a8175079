import type { AckResult } from '@switchboard/protocol';
import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import { TokenError } from './errors.js';
import type { TokenSource } from './token-source.js';

/** Sends `auth:refresh { token }` on the live socket and resolves with its ack (rejects when the ack times out). */
export type SendRefresh = (token: string) => Promise<AckResult<{ expires_at: string }>>;

export interface TokenRefresherOptions {
  readonly tokens: TokenSource;
  readonly send: SendRefresh;
  /** Between failed refreshes (full jitter). */
  readonly backoff?: BackoffOptions;
  /** A refresh the gateway refused, or whose ack did not come (the callback's own failures are the source's to report). */
  readonly onError: (error: TokenError) => void;
  /** The gateway accepted `token` for the live socket. */
  readonly onRefreshed?: (token: string) => void;
}

/**
 * Refreshes the live socket's token in band before its `exp` (`auth:refresh`), so a connection outlives its first
 * token. One timer for the client, armed only while a connection is up: at the token's refresh time (see
 * `TokenSource.refreshInMs`), and after a failure with the backoff. A token the callback hands back unchanged is
 * asked for again later (a cached token). Whatever fails, the gateway ends the socket with `TOKEN_EXPIRED` at
 * `exp` + leeway, and the client reconnects with a new token.
 */
export class TokenRefresher {
  readonly #options: TokenRefresherOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The token the live socket authenticated with (its handshake's, or the last refresh's); `undefined` while down. */
  #socketToken: string | undefined;
  #attempt = 0;
  /** Bumped on each start and stop: a refresh in flight for an earlier connection is dropped. */
  #epoch = 0;

  constructor(options: TokenRefresherOptions) {
    this.#options = options;
  }

  /** A connection is up with `token` (or its clock was learned): schedule the refresh. */
  start(token: string | undefined): void {
    this.stop();
    this.#socketToken = token;
    this.#schedule(this.#options.tokens.refreshInMs());
  }

  /** The connection is down, or the client closed: no refresh until the next `start`. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socketToken = undefined;
    this.#epoch++;
  }

  #schedule(delayMs: number | undefined): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (delayMs === undefined || this.#socketToken === undefined) return; // no `exp` to refresh before
    const epoch = this.#epoch;
    this.#timer = setTimeout(() => void this.#refresh(epoch), delayMs);
  }

  #retry(): void {
    this.#schedule(fullJitterDelay(this.#attempt++, this.#options.backoff));
  }

  async #refresh(epoch: number): Promise<void> {
    this.#timer = undefined;
    let token: string;
    try {
      token = await this.#options.tokens.fetch();
    } catch {
      if (epoch === this.#epoch) this.#retry(); // reported by the token source
      return;
    }
    if (epoch !== this.#epoch) return;
    if (token === this.#socketToken) return this.#retry(); // the same token again: ask later
    let ack: AckResult<{ expires_at: string }>;
    try {
      ack = await this.#options.send(token);
    } catch {
      ack = { success: false, error: { code: 'UNAVAILABLE', message: 'auth:refresh was not acknowledged in time' } };
    }
    if (epoch !== this.#epoch) return;
    if (!ack.success) {
      this.#options.onError(new TokenError(ack.error.code, `the gateway refused the token refresh: ${ack.error.message}`));
      return this.#retry();
    }
    this.#socketToken = token;
    this.#attempt = 0;
    this.#options.onRefreshed?.(token);
    this.#options.tokens.confirmed(token, ack.expires_at);
    this.#schedule(this.#options.tokens.refreshInMs());
  }
}
