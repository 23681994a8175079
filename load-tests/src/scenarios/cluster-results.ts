/** What the `cluster` scenario measured, per gateway count: the JSON of `--out` and the input of its tables. */

/** One node's share of a phase. */
export interface NodeFigures {
  /** utime + stime over the phase, ms per 1,000 events published cluster-wide. */
  readonly cpuMsPer1000: number;
  readonly received: number;
  readonly expected: number;
  /** Publish → client, ms, over this node's sockets. */
  readonly p99: number | undefined;
  /** The node's `created_at` → emit histogram (bucket bound, ms), p99, over the events it took from JetStream. */
  readonly emitLagP99: number | undefined;
  /** Share of the events whose room has a socket on this node. */
  readonly localShare: number;
}

export interface RatePhase {
  readonly gateways: number;
  readonly rate: number;
  readonly published: number;
  readonly seconds: number;
  /** From the first publish to the last delivery (or to the settle timeout when some never came). */
  readonly deliverySeconds: number;
  readonly nodes: readonly NodeFigures[];
  readonly clusterP99: number | undefined;
  readonly errors: number;
}

/** Events for a conversation with no socket anywhere: what each node spends on events it has no use for. */
export interface DiscardPhase {
  readonly gateways: number;
  readonly rate: number;
  readonly published: number;
  /** The CPU window: the publish, the drain and the adapter's grace. */
  readonly windowSeconds: number;
  /** Per node, ms per 1,000 events. */
  readonly cpuMsPer1000: readonly number[];
  /** Per node, ms of CPU per second with no events (heartbeats, metrics, the consumer's pulls): included above. */
  readonly idleMsPerSecond: readonly number[];
}

export interface ClusterResults {
  readonly sockets: number;
  readonly rooms: number;
  readonly discard: readonly DiscardPhase[];
  readonly rates: readonly RatePhase[];
}
