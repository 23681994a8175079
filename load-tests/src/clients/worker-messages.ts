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
    }
  | { readonly type: 'snapshot' }
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

export type FromClientWorker =
  | { readonly type: 'opened'; readonly stats: ClientWorkerStats }
  | { readonly type: 'snapshot'; readonly stats: ClientWorkerStats }
  | { readonly type: 'closed' };
