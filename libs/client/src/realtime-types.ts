import type { BackoffOptions } from './backoff.js';
import type { ConnectionCause, ConnectionErrorCode, SendError, TokenError } from './errors.js';
import type { ClientStore } from './store.js';
import type { TokenCallback } from './token-source.js';
import type { TypingDebouncerOptions } from './typing-debouncer.js';

/**
 * - `idle`: made, `connect()` not called yet; `connecting`: a connection attempt is under way;
 * - `connected`; `waiting`: the next attempt is scheduled (`reconnecting` said when and why);
 * - `disconnected`: `disconnect()` was called (sends queue up; `connect()` goes on);
 * - `closed`: for good: `close()`, refused credentials (`unauthorized`), or a connection that cannot work (`failed`).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'disconnected' | 'closed';

/** Events the SDK adds to the server's. */
export interface ClientLifecycleEvents {
  /** The socket is connected (again). `recovered`: the server restored the session (rooms, missed events). */
  connect: (info: { recovered: boolean }) => void;
  disconnect: (reason: string) => void;
  /** The next connection attempt is in `delayMs` (backoff, or the server's `reconnect_delay_ms` hint); `cause`: why the last one ended. */
  reconnecting: (info: { delayMs: number; attempt: number; cause: ConnectionCause }) => void;
  /**
   * The server refused the credentials (`MISSING_PARAMS`, `INVALID_CREDENTIALS`; `TOKEN_EXPIRED` only for a client
   * without a token callback, since one with a callback fetches a new token and reconnects): the client is closed.
   */
  unauthorized: (error: { code: ConnectionErrorCode; message: string }) => void;
  /** The connection cannot work (the handshake is refused with a 4xx: wrong URL, path or transport): the client is closed. */
  failed: (cause: ConnectionCause) => void;
  /** A queued send failed for good (refused by the server, or it kept killing the connection) and left the queue. */
  'send:failed': (error: SendError) => void;
  /** Catching up over REST failed; it is tried again on a timer, at the next message or reconnect. */
  'sync:error': (error: unknown) => void;
  /**
   * `getUserToken` / `getAgentToken` failed, or the gateway refused an in-band refresh: retried with the backoff
   * (a connection waits for a token: `reconnecting` with `TOKEN_UNAVAILABLE`). Never carries a token.
   */
  'token:error': (error: TokenError) => void;
}

export interface RealtimeClientOptions {
  /** The gateway's base URL, e.g. `https://chat.example.com` (the socket path `/v1/socket.io` is added). */
  readonly url: string;
  /**
   * Keeps unacknowledged sends and each conversation's last delivered message. A durable one (localStorage, a
   * folder) lets the next client instance send what this one could not and catch up on what it missed.
   * @default createMemoryStore()
   */
  readonly store?: ClientStore;
  /** Reconnect backoff (full jitter). @default { baseMs: 500, maxMs: 30000 } */
  readonly backoff?: BackoffOptions;
  /** The reconnect backoff starts over only once a connection stayed up this long. @default 10000 */
  readonly stableAfterMs?: number;
  /** How long a send waits for its ack before it is retried. @default 10000 */
  readonly ackTimeoutMs?: number;
  /** Largest delay before retrying a send the server answered `UNAVAILABLE` or `RATE_LIMITED` (unless it hints longer). @default 1000 */
  readonly unavailableRetryMaxMs?: number;
  /** A send in flight when the connection dropped this many times in a row fails with `CONNECTION_LOST`. @default 3 */
  readonly maxDropsPerSend?: number;
  /** The server's `MAX_PAYLOAD_BYTES`, until its handshake says otherwise. @default 65536 */
  readonly maxPayloadBytes?: number;
  /** Extra delay added to the server's `reconnect_delay_ms` hint, at most. @default 1000 */
  readonly shutdownJitterMs?: number;
  readonly typing?: TypingDebouncerOptions;
  /** @default ['websocket'] */
  readonly transports?: ('websocket' | 'polling')[];
}

/** What a client that does not re-join its conversations catches up on after a connection lost its session. */
export interface CatchUpGap {
  readonly tracked: ReadonlyMap<string, string | undefined>;
  readonly since: number | undefined;
  /** When this instance first connected (client clock): conversations quiet since before then are not its news. */
  readonly firstConnectedAt: number | undefined;
  moved(conversationId: string, lastMessageId: string): void;
  appeared(conversationId: string): void;
}

/** What a subclass says about its identity. */
export interface RealtimeIdentity {
  readonly namespace: '/client' | '/admin';
  readonly auth: Record<string, string>;
  /** A signed-in user's or agent's token: the handshake field it goes in, and the callback that fetches it. */
  readonly token?: { readonly field: 'user_token' | 'agent_token'; readonly get: TokenCallback };
  /** Where its state lives in the store, e.g. `client:<app>:<device>`. */
  readonly scope: string;
  /** Join the conversations known from the store on connect (a device's own), rather than catch up another way. */
  readonly rejoinKnown: boolean;
}
