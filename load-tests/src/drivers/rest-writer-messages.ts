import type { HistogramData } from '../measure/histogram.js';

export interface WriteTarget {
  readonly conversationId: string;
  /** The device's credentials (X-App-Id, X-Device-Id, X-Api-Key). */
  readonly headers: Readonly<Record<string, string>>;
}

export type ToRestWriter = {
  readonly type: 'run';
  readonly worker: number;
  readonly url: string;
  readonly targets: readonly WriteTarget[];
  /** Requests in flight at most. */
  readonly concurrency: number;
  /** Messages per second for this writer; undefined: as fast as `concurrency` allows. */
  readonly rate: number | undefined;
  readonly seconds: number;
  /** Second word of every body; clients group deliveries by it. */
  readonly tag: string;
};

export interface RestWriterResult {
  readonly accepted: number;
  readonly failed: number;
  readonly sent: number;
  readonly statuses: Record<string, number>;
  /** POST → answer. */
  readonly latency: HistogramData;
  readonly seconds: number;
}

export type FromRestWriter = { readonly type: 'result'; readonly result: RestWriterResult };
