import { randomBytes } from 'node:crypto';
import { scrapeMetrics } from '../measure/process-usage.js';
import { bucketsOf, type Buckets } from '../measure/prom-histogram.js';
import type { ServerUnderTest } from '../stack/load-stack.js';
import type { RunContext } from './run-context.js';
import { sleep } from '@switchboard/testing';

/** The shared consumer's backlog gauge, read from a node's /metrics to know the cluster has taken every event. */
const PENDING_METRIC = 'switchboard_gateway_nats_consumer_pending';
/** Each node's created_at → emit histogram: the JetStream side of the latency, for the events it consumed. */
const EMIT_LAG_METRIC = 'switchboard_gateway_fanout_lag_seconds';
/** How long to wait for the consumer's backlog to empty, at most. */
export const DRAIN_TIMEOUT_MS = 60_000;
/** After the backlog is empty: the other nodes still read the adapter's stream. */
export const ADAPTER_READ_GRACE_MS = 1000;

/** N gateway processes of one cluster, and what the scenario reads from all of them at once. */
export interface ClusterNodes extends AsyncDisposable {
  readonly nodes: readonly ServerUnderTest[];
  /** utime + stime so far of each node, seconds. */
  cpuSeconds(): Promise<number[]>;
  /** Each node's `message:new` emit-lag histogram so far. */
  emitLag(): Promise<Buckets[]>;
  /** Waits (bounded) until the shared consumer's backlog is empty, then for the other nodes' adapter reads. */
  drained(): Promise<void>;
}

/**
 * Starts `count` fresh gateways on the run's stack, one cluster: one Redis key prefix (one adapter stream) and the
 * shared `gateway-fanout` consumer; each pinned like any server under test. Disposing stops them all.
 */
export async function startClusterNodes(ctx: RunContext, count: number): Promise<ClusterNodes> {
  const prefix = `sbload-${randomBytes(4).toString('hex')}`;
  const nodes: ServerUnderTest[] = [];
  const stop = () => Promise.all(nodes.map((node) => node.stop()));
  try {
    for (let k = 0; k < count; k++) nodes.push(await ctx.stack.startServer('gateway', { REDIS_KEY_PREFIX: prefix }));
  } catch (error) {
    await stop();
    throw error;
  }
  const metricsOf = (node: ServerUnderTest) => scrapeMetrics(`${node.process.url}/metrics`).catch(() => undefined);
  return {
    nodes,
    cpuSeconds: async () => (await Promise.all(nodes.map((node) => ctx.sample(node)))).map((s) => s.cpuSeconds),
    emitLag: () => Promise.all(nodes.map(async (node) => bucketsOf(await metricsOf(node), EMIT_LAG_METRIC, 'event="message:new"'))),
    async drained() {
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const samples = (await metricsOf(nodes[0]!))?.samples ?? new Map<string, number>();
        // Its one series carries the node's default labels (service, node_id).
        const pending = [...samples].find(([key]) => key === PENDING_METRIC || key.startsWith(`${PENDING_METRIC}{`))?.[1];
        if (pending === 0) break;
        await sleep(250);
      }
      await sleep(ADAPTER_READ_GRACE_MS);
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}
