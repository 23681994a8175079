import type { ClientFleet } from '../clients/client-fleet.js';
import type { BusPublisher } from '../drivers/bus-publisher.js';
import { createHistogram } from '../measure/histogram.js';
import { percentileBetween } from '../measure/prom-histogram.js';
import { DRAIN_TIMEOUT_MS, type ClusterNodes } from './cluster-nodes.js';
import { nodeShares, type PlacedRoom } from './cluster-placement.js';
import type { DiscardPhase, NodeFigures, RatePhase } from './cluster-results.js';
import { settle } from './settle.js';
import { sleep } from '@switchboard/testing';

type Target = { readonly appId: string; readonly conversationId: string };
/** With no new delivery for this long, a rate phase is taken as over (a saturated cluster delivers in bursts). */
const SETTLE_QUIET_MS = 3000;

/** The socket group (`SocketSpec.group`) of node k: its sockets' deliveries are counted under `tag@n<k+1>`. */
export const groupOf = (node: number) => `n${node + 1}`;

const perThousand = (cpuSeconds: number, events: number) => (1e6 * cpuSeconds) / Math.max(1, events);

/** Each node's CPU with no events, ms per second. */
export async function measureIdle(cluster: ClusterNodes, seconds: number): Promise<number[]> {
  const cpu0 = await cluster.cpuSeconds();
  await sleep(seconds * 1000);
  const cpu1 = await cluster.cpuSeconds();
  return cpu1.map((c, k) => (1000 * (c - cpu0[k]!)) / Math.max(1, seconds));
}

/** Events for a conversation with no socket anywhere: each node's CPU from the first publish to an empty backlog. */
export async function measureDiscard(
  cluster: ClusterNodes,
  publisher: BusPublisher,
  nobody: Target,
  rate: number,
  seconds: number,
  idleMsPerSecond: readonly number[],
): Promise<DiscardPhase> {
  const cpu0 = await cluster.cpuSeconds();
  const started = Date.now();
  const run = await publisher.run([nobody], rate, seconds, `disc-${cluster.nodes.length}`);
  await cluster.drained();
  const cpu1 = await cluster.cpuSeconds();
  return {
    gateways: cluster.nodes.length,
    rate,
    published: run.published,
    windowSeconds: (Date.now() - started) / 1000,
    cpuMsPer1000: cpu1.map((c, k) => perThousand(c - cpu0[k]!, run.published)),
    idleMsPerSecond,
  };
}

/**
 * Events round-robin over the rooms at `rate`: each node's CPU from the first publish to the last delivery and an
 * empty backlog, its deliveries (counted per socket group) against what its sockets should get, its p99.
 */
export async function measureRate(
  cluster: ClusterNodes,
  fleet: ClientFleet,
  publisher: BusPublisher,
  rooms: readonly { readonly target: Target; readonly placed: PlacedRoom }[],
  rate: number,
  timing: { readonly seconds: number; readonly warmup: number },
): Promise<RatePhase> {
  const n = cluster.nodes.length;
  const targets = rooms.map((room) => room.target);
  await publisher.run(targets, rate, timing.warmup, `warm-${n}-${rate}`);
  await cluster.drained();
  const tag = `m-${n}-${rate}`;
  const [cpu0, lag0] = await Promise.all([cluster.cpuSeconds(), cluster.emitLag()]);
  const started = Date.now();
  const run = await publisher.run(targets, rate, timing.seconds, tag);
  const expected = Array.from({ length: n }, (_, k) => rooms.reduce((sum, room, r) => sum + run.perTarget[r]! * room.placed.nodes.filter((x) => x === k).length, 0));
  const snapshot = await settle(fleet, tag, expected.reduce((a, b) => a + b, 0), SETTLE_QUIET_MS, DRAIN_TIMEOUT_MS);
  const deliverySeconds = (Date.now() - started) / 1000;
  await cluster.drained();
  const [cpu1, lag1] = await Promise.all([cluster.cpuSeconds(), cluster.emitLag()]);
  const shares = nodeShares(rooms.map((room) => room.placed), n);
  const all = createHistogram();
  const nodes: NodeFigures[] = expected.map((expectedHere, k) => {
    const stats = snapshot.tags.get(`${tag}@${groupOf(k)}`);
    if (stats) all.merge(stats.sendToClient.toJSON());
    return {
      cpuMsPer1000: perThousand(cpu1[k]! - cpu0[k]!, run.published),
      received: stats?.received ?? 0,
      expected: expectedHere,
      p99: stats?.sendToClient.percentile(99),
      emitLagP99: percentileBetween(lag0[k]!, lag1[k]!, 99),
      localShare: shares[k]!.roomsWithSocket / rooms.length,
    };
  });
  return {
    gateways: n,
    rate,
    published: run.published,
    seconds: run.seconds,
    deliverySeconds,
    nodes,
    clusterP99: all.percentile(99),
    errors: run.failed + snapshot.drops + snapshot.protocolErrors,
  };
}
