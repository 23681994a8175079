import { randomBytes } from 'node:crypto';
import type { SocketSpec } from '../clients/worker-messages.js';
import { startBusPublisher } from '../drivers/bus-publisher.js';
import { clientAuth, createFixtures } from '../fixtures/app-fixtures.js';
import { scrapeMetrics } from '../measure/process-usage.js';
import { createHistogram } from '../measure/histogram.js';
import { bucketsOf, percentileBetween } from '../measure/prom-histogram.js';
import type { Figure } from '../measure/report.js';
import { engineIoUrl } from '../protocol/sio-frames.js';
import { OPERATOR_TOKEN, type ServerUnderTest } from '../stack/load-stack.js';
import { nodeShares, placeRooms, roomSizes } from './cluster-placement.js';
import { clusterTables } from './cluster-report.js';
import type { ClusterResults, DiscardPhase, RatePhase } from './cluster-results.js';
import type { RunContext } from './run-context.js';
import { settle } from './settle.js';
import { sleep } from '@switchboard/testing';

/** The shared consumer's backlog gauge, read from a node's /metrics to know the cluster has taken every event. */
const PENDING_METRIC = 'switchboard_gateway_nats_consumer_pending';
const EMIT_LAG_METRIC = 'switchboard_gateway_fanout_lag_seconds';
/** How long to wait for the consumer's backlog to empty after a phase, at most. */
const DRAIN_TIMEOUT_MS = 60_000;
/** After the backlog is empty: the other nodes still read the adapter's stream. */
const ADAPTER_READ_GRACE_MS = 1000;
const groupOf = (node: number) => `n${node + 1}`;

/**
 * `cluster`: for each N of `--gateways`, N gateway processes on one private stack (one Redis key prefix, so one
 * adapter stream, and the shared `gateway-fanout` consumer), fresh for each N. First the discard phase: `message.created`
 * events at `--discard-rate` for a conversation with no socket anywhere; then `--sockets` sockets in rooms of 2–5
 * spread evenly over the nodes (cluster-placement.ts), and for each of `--rates` events round-robin over the rooms.
 * Per node: CPU (utime + stime) per 1,000 cluster events, deliveries, p99 publish → client.
 */
export async function runCluster(ctx: RunContext): Promise<{ figures: Figure[]; conditions: string[]; tables: string[]; data: ClusterResults }> {
  const { flags, stack, fleet, log } = ctx;
  const gatewayCounts = flags.list('gateways', ['1', '2', '3', '4']).map(Number);
  if (gatewayCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--gateways takes positive integers');
  const rates = flags.list('rates', ['1000', '5000']).map(Number);
  const sizes = roomSizes(flags.int('sockets', 4000));
  const seconds = flags.int('seconds', 10);
  const warmup = flags.int('warmup', 3);
  const discardRate = flags.int('discard-rate', 1000);
  const idleSeconds = flags.int('idle-seconds', 5);
  const socketCount = sizes.reduce((a, b) => a + b, 0);

  log(`creating ${sizes.length} rooms and one conversation with no socket`);
  const fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices: sizes.length + 1, conversations: true, prefix: 'clu' });
  const roomDevices = fixtures.devices.slice(0, sizes.length);
  const targets = roomDevices.map((d) => ({ appId: fixtures.app.id, conversationId: d.conversationId! }));
  const nobody = [{ appId: fixtures.app.id, conversationId: fixtures.devices.at(-1)!.conversationId! }];
  await using publisher = await startBusPublisher(stack.nats.url);

  const discard: DiscardPhase[] = [];
  const ratePhases: RatePhase[] = [];
  for (const n of gatewayCounts) {
    const prefix = `sbload-${randomBytes(4).toString('hex')}`;
    log(`${n} gateway(s): starting`);
    const nodes: ServerUnderTest[] = [];
    try {
      for (let k = 0; k < n; k++) nodes.push(await ctx.stack.startServer('gateway', { REDIS_KEY_PREFIX: prefix }));
      const cpuOfNodes = async () => (await Promise.all(nodes.map((node) => ctx.sample(node)))).map((s) => s.cpuSeconds);
      const drained = () => waitForDrain(nodes[0]!);
      // Each node's own created_at → emit histogram: the JetStream side of the latency, for the events it consumed.
      const emitLagOfNodes = () =>
        Promise.all(nodes.map(async (node) => bucketsOf(await scrapeMetrics(`${node.process.url}/metrics`).catch(() => undefined), EMIT_LAG_METRIC, 'event="message:new"')));

      // Warm (JIT, connections) before anything is read: the same events the discard phase sends.
      if (discardRate > 0) await publisher.run(nobody, discardRate, warmup, `warm-disc-${n}`);
      await drained();
      const idle0 = await cpuOfNodes();
      await sleep(idleSeconds * 1000);
      const idle1 = await cpuOfNodes();
      const idleMsPerSecond = idle1.map((c, k) => (1000 * (c - idle0[k]!)) / Math.max(1, idleSeconds));
      if (discardRate > 0) {
        const cpu0 = await cpuOfNodes();
        const windowStarted = Date.now();
        const run = await publisher.run(nobody, discardRate, seconds, `disc-${n}`);
        await drained();
        const cpu1 = await cpuOfNodes();
        const windowSeconds = (Date.now() - windowStarted) / 1000;
        const per1000 = cpu1.map((c, k) => (1e6 * (c - cpu0[k]!)) / Math.max(1, run.published));
        discard.push({ gateways: n, rate: discardRate, published: run.published, windowSeconds, cpuMsPer1000: per1000, idleMsPerSecond });
        log(`${n} gateway(s), discard: ${per1000.map((v) => v.toFixed(1)).join(', ')} ms per 1,000 events`);
      }

      if (rates.length === 0) continue; // `--rates=`: the discard phase alone
      const rooms = placeRooms(sizes, n);
      const shares = nodeShares(rooms, n);
      for (let k = 0; k < n; k++) {
        const specs: SocketSpec[] = [];
        rooms.forEach((room, r) => {
          for (const node of room.nodes) if (node === k) specs.push({ nsp: '/client', auth: clientAuth(fixtures.app, roomDevices[r]!), group: groupOf(k) });
        });
        const opened = await fleet.open(engineIoUrl(nodes[k]!.process.url), specs);
        log(`${n} gateway(s): node ${k + 1} holds ${specs.length} sockets (${opened.open} open in the fleet)`);
        if (Object.keys(opened.connectErrors).length > 0) log(`handshake errors ${JSON.stringify(opened.connectErrors)}`);
      }

      for (const rate of rates) {
        await publisher.run(targets, rate, warmup, `warm-${n}-${rate}`);
        await drained();
        const tag = `m-${n}-${rate}`;
        const cpu0 = await cpuOfNodes();
        const lag0 = await emitLagOfNodes();
        log(`${n} gateway(s): publishing ${rate}/s for ${seconds} s`);
        const publishStarted = Date.now();
        const run = await publisher.run(targets, rate, seconds, tag);
        const expectedPerNode = Array.from({ length: n }, (_, k) => rooms.reduce((sum, room, r) => sum + run.perTarget[r]! * room.nodes.filter((x) => x === k).length, 0));
        const snapshot = await settle(fleet, tag, expectedPerNode.reduce((a, b) => a + b, 0), 3000, DRAIN_TIMEOUT_MS);
        const deliverySeconds = (Date.now() - publishStarted) / 1000;
        await drained();
        const cpu1 = await cpuOfNodes();
        const lag1 = await emitLagOfNodes();
        const all = createHistogram();
        const nodeFigures = expectedPerNode.map((expected, k) => {
          const stats = snapshot.tags.get(`${tag}@${groupOf(k)}`);
          if (stats) all.merge(stats.sendToClient.toJSON());
          return {
            cpuMsPer1000: (1e6 * (cpu1[k]! - cpu0[k]!)) / Math.max(1, run.published),
            received: stats?.received ?? 0,
            expected,
            p99: stats?.sendToClient.percentile(99),
            emitLagP99: percentileBetween(lag0[k]!, lag1[k]!, 99),
            localShare: shares[k]!.roomsWithSocket / rooms.length,
          };
        });
        ratePhases.push({ gateways: n, rate, published: run.published, seconds: run.seconds, deliverySeconds, nodes: nodeFigures, clusterP99: all.percentile(99), errors: run.failed + snapshot.drops + snapshot.protocolErrors });
        log(`${n} gateway(s) at ${rate}/s: ${nodeFigures.map((f) => `${f.received}/${f.expected}, ${f.cpuMsPer1000.toFixed(1)} ms`).join('; ')}`);
      }
    } finally {
      await fleet.closeSockets();
      await Promise.all(nodes.map((node) => node.stop()));
    }
  }

  const data: ClusterResults = { sockets: socketCount, rooms: sizes.length, discard, rates: ratePhases };
  return {
    figures: [],
    tables: clusterTables(data),
    data,
    conditions: [
      `gateways ${gatewayCounts.join(', ')} (fresh processes for each count, one Redis key prefix and the shared gateway-fanout consumer); all of them pinned together to the server CPUs`,
      `${socketCount} sockets in ${sizes.length} rooms of 2–5 (tabs of one device), spread evenly: even rooms whole on one node, odd rooms tab by tab over consecutive nodes`,
      `discard: ${discardRate} message.created events/s for ${seconds} s into JetStream for a conversation with no socket anywhere, after a ${warmup} s warm-up of the same and before any socket opens; CPU per node over the publish and until the consumer's backlog is empty (+${ADAPTER_READ_GRACE_MS} ms)`,
      `rates ${rates.join(', ')} events/s cluster-wide for ${seconds} s after a ${warmup} s warm-up, round-robin over the rooms; CPU per node over the publish and until the last delivery and an empty backlog`,
      'CPU: utime + stime of each gateway process (/proc/<pid>/stat), ms per 1,000 events published cluster-wide (= µs per event); latency: publish time in the event → the client receives message:new',
    ],
  };
}

/** Waits (bounded) until the shared consumer's backlog is empty, then for the other nodes' adapter reads. */
async function waitForDrain(node: ServerUnderTest): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const metrics = await scrapeMetrics(`${node.process.url}/metrics`).catch(() => undefined);
    // Its one series carries the node's default labels (service, node_id).
    const pending = [...(metrics?.samples ?? [])].find(([key]) => key === PENDING_METRIC || key.startsWith(`${PENDING_METRIC}{`))?.[1];
    if (pending === 0) break;
    await sleep(250);
  }
  await sleep(ADAPTER_READ_GRACE_MS);
}
