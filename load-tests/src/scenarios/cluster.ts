import type { SocketSpec } from '../clients/worker-messages.js';
import { startBusPublisher } from '../drivers/bus-publisher.js';
import { clientAuth, createFixtures } from '../fixtures/app-fixtures.js';
import type { Figure } from '../measure/report.js';
import { engineIoUrl } from '../protocol/sio-frames.js';
import { OPERATOR_TOKEN } from '../stack/load-stack.js';
import { ADAPTER_READ_GRACE_MS, startClusterNodes } from './cluster-nodes.js';
import { groupOf, measureDiscard, measureIdle, measureRate } from './cluster-phases.js';
import { placeRooms, roomSizes } from './cluster-placement.js';
import { clusterTables } from './cluster-report.js';
import type { ClusterResults, DiscardPhase, RatePhase } from './cluster-results.js';
import type { RunContext } from './run-context.js';

/**
 * `cluster`: for each N of `--gateways`, N fresh gateway processes on one private stack (cluster-nodes.ts). First a
 * warm-up, the idle CPU, and the discard phase: `message.created` events at `--discard-rate` for a conversation with
 * no socket anywhere; then `--sockets` sockets in rooms of 2–5 spread evenly over the nodes (cluster-placement.ts),
 * and for each of `--rates` events round-robin over the rooms (cluster-phases.ts). Per node: CPU (utime + stime)
 * per 1,000 cluster events, deliveries, p99 publish → client.
 */
export async function runCluster(ctx: RunContext): Promise<{ figures: Figure[]; conditions: string[]; tables: string[]; data: ClusterResults }> {
  const { flags, stack, fleet, log } = ctx;
  const gatewayCounts = flags.list('gateways', ['1', '2', '3', '4']).map(Number);
  if (gatewayCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--gateways takes positive integers');
  const rates = flags.list('rates', ['1000', '5000']).map(Number);
  const sizes = roomSizes(flags.int('sockets', 4000));
  const timing = { seconds: flags.int('seconds', 10), warmup: flags.int('warmup', 3) };
  const discardRate = flags.int('discard-rate', 1000);
  const idleSeconds = flags.int('idle-seconds', 5);
  const socketCount = sizes.reduce((a, b) => a + b, 0);

  log(`creating ${sizes.length} rooms and one conversation with no socket`);
  const fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices: sizes.length + 1, conversations: true, prefix: 'clu' });
  const roomDevices = fixtures.devices.slice(0, sizes.length);
  const targetOf = (conversationId: string | undefined) => ({ appId: fixtures.app.id, conversationId: conversationId! });
  const nobody = targetOf(fixtures.devices.at(-1)!.conversationId);
  await using publisher = await startBusPublisher(stack.nats.url);

  const discard: DiscardPhase[] = [];
  const ratePhases: RatePhase[] = [];
  for (const n of gatewayCounts) {
    log(`${n} gateway(s): starting`);
    await using cluster = await startClusterNodes(ctx, n);
    try {
      // Warm (JIT, connections) before anything is read: the same events the discard phase sends.
      if (discardRate > 0) await publisher.run([nobody], discardRate, timing.warmup, `warm-disc-${n}`);
      await cluster.drained();
      const idle = await measureIdle(cluster, idleSeconds);
      if (discardRate > 0) {
        const phase = await measureDiscard(cluster, publisher, nobody, discardRate, timing.seconds, idle);
        discard.push(phase);
        log(`${n} gateway(s), discard: ${phase.cpuMsPer1000.map((v) => v.toFixed(1)).join(', ')} ms per 1,000 events`);
      }
      if (rates.length === 0) continue; // `--rates=`: the discard phase alone

      const placed = placeRooms(sizes, n);
      const rooms = placed.map((room, r) => ({ target: targetOf(roomDevices[r]!.conversationId), placed: room }));
      for (let k = 0; k < n; k++) {
        const specs: SocketSpec[] = [];
        placed.forEach((room, r) => {
          for (const node of room.nodes) if (node === k) specs.push({ nsp: '/client', auth: clientAuth(fixtures.app, roomDevices[r]!), group: groupOf(k) });
        });
        const opened = await fleet.open(engineIoUrl(cluster.nodes[k]!.process.url), specs);
        log(`${n} gateway(s): node ${k + 1} holds ${specs.length} sockets (${opened.open} open in the fleet)`);
        if (Object.keys(opened.connectErrors).length > 0) log(`handshake errors ${JSON.stringify(opened.connectErrors)}`);
      }
      for (const rate of rates) {
        log(`${n} gateway(s): ${rate}/s`);
        const phase = await measureRate(cluster, fleet, publisher, rooms, rate, timing);
        ratePhases.push(phase);
        log(`${n} gateway(s) at ${rate}/s: ${phase.nodes.map((f) => `${f.received}/${f.expected}, ${f.cpuMsPer1000.toFixed(1)} ms`).join('; ')}`);
      }
    } finally {
      await fleet.closeSockets();
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
      `discard: ${discardRate} message.created events/s for ${timing.seconds} s into JetStream for a conversation with no socket anywhere, after a ${timing.warmup} s warm-up of the same and ${idleSeconds} s of idle CPU, before any socket opens; CPU per node over the publish and until the consumer's backlog is empty (+${ADAPTER_READ_GRACE_MS} ms)`,
      `rates ${rates.join(', ')} events/s cluster-wide for ${timing.seconds} s after a ${timing.warmup} s warm-up, round-robin over the rooms; CPU per node over the publish and until the last delivery and an empty backlog`,
      'CPU: utime + stime of each gateway process (/proc/<pid>/stat), ms per 1,000 events published cluster-wide (= µs per event); latency: publish time in the event → the client receives message:new',
    ],
  };
}
