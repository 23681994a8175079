import { TokenError } from './errors.js';
import { refreshDelayMs, tokenExpiry } from './token-expiry.js';

/**
 * Returns a fresh token (a JWT your backend signed for this user or agent). Called before the first connection,
 * before `exp` to refresh in band, and after the server answered `TOKEN_EXPIRED`; it should return a new token each
 * time it is called (a cached one is fine while it is far from its `exp`) and settle (give it its own timeout).
 */
export type TokenCallback = () => string | Promise<string>;

/** What a caller that sends the token needs: the token to send now, and a way to say the server refused it as expired. */
export interface TokenProvider {
  /** The token held, unless it is due for refresh or was refused as expired: then a new one from the callback. */
  current(): Promise<string>;
  /** The server answered `TOKEN_EXPIRED` for `token`: the next `current()` fetches a new one. */
  expired(token: string): void;
}

export interface TokenSourceOptions {
  readonly getToken: TokenCallback;
  /** Every failed fetch, once (the callers of that fetch reject with the same error). */
  readonly onError: (error: TokenError) => void;
}

/**
 * The client's token: the callback's latest answer, held in memory only (never in the `ClientStore`, never
 * logged), with its `exp` read without verification. Concurrent needs (the handshake, REST calls, the refresher)
 * share one call of the callback. The refresh time is reckoned on the server's clock when the gateway told it
 * (`connected.server_time`), so a device whose clock is off still refreshes before the gateway expires it.
 */
export class TokenSource implements TokenProvider {
  readonly #options: TokenSourceOptions;
  #held: string | undefined;
  /** The held token's `exp` (ms), `undefined` when it has none we can read. */
  #expiresAt: number | undefined;
  /** When the held token came (client clock). */
  #receivedAt = 0;
  /** The token the server last refused as expired. */
  #refused: string | undefined;
  /** Server clock minus client clock, from the last `connected.server_time`. */
  #clockOffsetMs = 0;
  #pending: Promise<string> | undefined;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
  }

  /** The token last received from the callback (also one the server refused: the handshake never goes without). */
  get held(): string | undefined {
    return this.#held;
  }

  current(): Promise<string> {
    const held = this.#held;
    if (held !== undefined && held !== this.#refused && !this.#due()) return Promise.resolve(held);
    return this.fetch();
  }

  /** A new token from the callback (one call shared by every concurrent caller); rejects with a `TokenError`. */
  fetch(): Promise<string> {
    this.#pending ??= this.#fetch().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  expired(token: string): void {
    if (token === this.#held) this.#refused = token;
  }

  /** The gateway's clock at the handshake (`connected.server_time`). */
  serverTime(iso: string): void {
    const serverNow = Date.parse(iso);
    if (Number.isFinite(serverNow)) this.#clockOffsetMs = serverNow - Date.now();
  }

  /** The gateway confirmed a refresh with `expires_at`: the expiry of a token whose `exp` could not be read. */
  confirmed(token: string, expiresAt: string): void {
    const parsed = Date.parse(expiresAt);
    if (token === this.#held && this.#expiresAt === undefined && Number.isFinite(parsed)) this.#expiresAt = parsed;
  }

  /**
   * How long from now until the held token should be refreshed (80 % of its remaining lifetime when it came, or 60 s
   * before `exp`, whichever first; see `refreshDelayMs`); 0 when due; `undefined` without a token or a known `exp`.
   */
  refreshInMs(): number | undefined {
    if (this.#held === undefined || this.#expiresAt === undefined) return undefined;
    const received = this.#receivedAt + this.#clockOffsetMs; // on the server's clock, like `exp`
    const refreshAt = received + refreshDelayMs(this.#expiresAt - received);
    return Math.max(0, refreshAt - (Date.now() + this.#clockOffsetMs));
  }

  #due(): boolean {
    return this.refreshInMs() === 0;
  }

  async #fetch(): Promise<string> {
    let token: unknown;
    try {
      token = await this.#options.getToken();
    } catch (cause) {
      throw this.#fail(new TokenError('TOKEN_UNAVAILABLE', `the token callback failed: ${describe(cause)}`, cause));
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw this.#fail(new TokenError('TOKEN_UNAVAILABLE', 'the token callback returned no token'));
    }
    if (token === this.#refused) {
      throw this.#fail(new TokenError('TOKEN_UNAVAILABLE', 'the token callback returned the token the server refused as expired'));
    }
    this.#held = token;
    this.#expiresAt = tokenExpiry(token);
    this.#receivedAt = Date.now();
    return token;
  }

  #fail(error: TokenError): TokenError {
    this.#options.onError(error);
    return error;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
