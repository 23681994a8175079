import type { HistogramData } from '../measure/histogram.js';

/** What one client socket authenticates with (`/client` or `/admin` auth object). */
export interface SocketSpec {
  readonly nsp: '/client' | '/admin';
  readonly auth: Readonly<Record<string, string>>;
  /**
   * Counts this socket's deliveries apart, under `tag@group` instead of `tag` (the `cluster` scenario: one group per
   * gateway node). Unset: under `tag`.
   */
  readonly group?: string;
}

export type ToClientWorker =
  | {
      readonly type: 'open';
      /** Engine.IO WebSocket URL. */
      readonly url: string;
      readonly localAddress: string;
      readonly sockets: readonly SocketSpec[];
      /** Handshakes in flight at once. */
      readonly concurrency: number;
      readonly timeoutMs: number;
      /**
       * Reconnect every socket that drops or fails to connect, after the SDK's delays (`ReconnectPolicy` of
       * `@switchboard/client`, one per socket, default options), until `close`. Off: a dropped socket stays closed.
       */
      readonly reconnect?: boolean;
    }
  | { readonly type: 'snapshot' }
  /** Starts a storm's record over: which sockets came back (and when), reconnect handshakes, refused attempts. */
  | { readonly type: 'storm-mark' }
  /** Cuts every open socket at once from the client side (`terminate()`: no close frame); they reconnect if asked to. */
  | { readonly type: 'cut' }
  | { readonly type: 'storm-stats' }
  | { readonly type: 'close' };

/** Per tag (the second word of a message body, `tag@group` for a socket with a group): deliveries and their latencies. */
export interface TagStats {
  received: number;
  /** Body send time (first word of the body, ms) → received. */
  readonly sendToClient: HistogramData;
  /** `created_at` → received. */
  readonly createdToClient: HistogramData;
}

export interface ClientWorkerStats {
  /** Sockets whose namespace connect succeeded and that are still open. */
  readonly open: number;
  readonly connected: number;
  /** Sockets that closed without being asked to, after they had connected. */
  readonly drops: number;
  /** Handshakes that failed, by reason. */
  readonly connectErrors: Readonly<Record<string, number>>;
  /** Open → `connected` event. */
  readonly handshake: HistogramData;
  readonly tags: Readonly<Record<string, TagStats>>;
  /** `error` events and undecodable frames. */
  readonly protocolErrors: number;
}

/** Since the last `storm-mark`. */
export interface StormStats {
  /** Sockets this worker holds (open or reconnecting). */
  readonly sockets: number;
  readonly open: number;
  /** For each socket that connected again since the mark, when (epoch ms) it first got `connected`. */
  readonly backAt: readonly number[];
  /** Reconnect attempts that connected: attempt start (TCP connect) → `connected`. */
  readonly handshake: HistogramData;
  /** Reconnect attempts that failed, by reason (`connect_error` code, socket error code, `timeout`, …). */
  readonly refused: Readonly<Record<string, number>>;
}

export type FromClientWorker =
  | { readonly type: 'opened'; readonly stats: ClientWorkerStats }
  | { readonly type: 'snapshot'; readonly stats: ClientWorkerStats }
  | { readonly type: 'marked' }
  | { readonly type: 'cut'; readonly cut: number }
  | { readonly type: 'storm-stats'; readonly storm: StormStats }
  | { readonly type: 'closed' };
