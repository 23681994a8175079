import type { SocketSpec } from '../clients/worker-messages.js';
import { startBusPublisher } from '../drivers/bus-publisher.js';
import { clientAuth, createFixtures } from '../fixtures/app-fixtures.js';
import { scrapeMetrics } from '../measure/process-usage.js';
import { bucketsOf, percentileBetween } from '../measure/prom-histogram.js';
import { perServer, type Figure } from '../measure/report.js';
import { engineIoUrl } from '../protocol/sio-frames.js';
import { OPERATOR_TOKEN, type ServerKind } from '../stack/load-stack.js';
import type { RunContext } from './run-context.js';
import { settle } from './settle.js';
import { sleep } from '@switchboard/testing';

interface FanoutResult {
  readonly sockets: number;
  readonly published: number;
  readonly expected: number;
  readonly received: number;
  readonly seconds: number;
  readonly serverCpuSeconds: number;
  readonly serverSystemSeconds: number;
  readonly clientCpuSeconds: number;
  /** The gateway's own `created_at` → emit histogram (bucket bounds), p50 and p99. */
  readonly emitLagP50: number | undefined;
  readonly emitLagP99: number | undefined;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
  readonly errors: number;
}

/**
 * `fanout`: `--rooms` conversations with `--room-size` sockets each (tabs of one device), and `message.created`
 * events published into JetStream at `--rate` per second (as the outbox relay does), round-robin over the rooms.
 * Each server takes them from its JetStream consumer and emits them to the room; the clients measure
 * publish → receive. Defaults: 100 rooms of 100 at 300 events/s = 30,000 deliveries/s for 30 s.
 */
export async function runFanout(ctx: RunContext): Promise<{ figures: Figure[]; conditions: string[] }> {
  const { flags, stack, fleet, log } = ctx;
  const rooms = flags.int('rooms', 100);
  const roomSize = flags.int('room-size', 100);
  const rate = flags.int('rate', 300);
  const seconds = flags.int('seconds', 30);
  const warmup = flags.int('warmup', 5);

  log(`creating ${rooms} rooms (devices with a conversation)`);
  const fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices: rooms, conversations: true, prefix: 'fan' });
  const sockets: SocketSpec[] = [];
  for (let r = 0; r < rooms; r++) for (let t = 0; t < roomSize; t++) sockets.push({ nsp: '/client', auth: clientAuth(fixtures.app, fixtures.devices[r]!) });
  const targets = fixtures.devices.map((d) => ({ appId: fixtures.app.id, conversationId: d.conversationId! }));
  await using publisher = await startBusPublisher(stack.nats.url);

  const results = new Map<ServerKind, FanoutResult>();
  for (const kind of ctx.servers) {
    log(`${kind}: starting`);
    const server = await stack.startServer(kind);
    try {
      const opened = await fleet.open(engineIoUrl(server.process.url), sockets);
      log(`${kind}: ${opened.open}/${sockets.length} sockets open; warming up ${warmup} s`);
      if (opened.open < sockets.length) log(`${kind}: handshake errors ${JSON.stringify(opened.connectErrors)}`);
      await publisher.run(targets, rate, warmup, `warm-${kind}`);
      await sleep(1000);
      const tag = `measure-${kind}`;
      const cpu0 = await ctx.sample(server);
      const clients0 = await ctx.clientCpuSeconds();
      const lagOf = async () => bucketsOf(await scrapeMetrics(`${server.process.url}/metrics`).catch(() => undefined), 'switchboard_gateway_fanout_lag_seconds', 'event="message:new"');
      const lag0 = await lagOf();
      log(`${kind}: publishing ${rate}/s for ${seconds} s`);
      const run = await publisher.run(targets, rate, seconds, tag);
      const expected = run.perTarget.reduce((sum, n) => sum + n * roomSize, 0);
      const snapshot = await settle(fleet, tag, expected);
      const cpu1 = await ctx.sample(server);
      const clients1 = await ctx.clientCpuSeconds();
      const lag1 = await lagOf();
      const stats = snapshot.tags.get(tag);
      const received = stats?.received ?? 0;
      log(`${kind}: ${received}/${expected} delivered; server CPU ${(cpu1.cpuSeconds - cpu0.cpuSeconds).toFixed(1)} s`);
      results.set(kind, {
        sockets: opened.open,
        published: run.published,
        expected,
        received,
        seconds: run.seconds,
        serverCpuSeconds: cpu1.cpuSeconds - cpu0.cpuSeconds,
        serverSystemSeconds: cpu1.systemSeconds - cpu0.systemSeconds,
        clientCpuSeconds: clients1 - clients0,
        emitLagP50: percentileBetween(lag0, lag1, 50),
        emitLagP99: percentileBetween(lag0, lag1, 99),
        p50: stats?.sendToClient.percentile(50),
        p99: stats?.sendToClient.percentile(99),
        max: stats?.sendToClient.max(),
        errors: run.failed + snapshot.drops + snapshot.protocolErrors,
      });
    } finally {
      await fleet.closeSockets();
      await server.stop();
    }
  }
  const g = results.get('gateway');
  const b = results.get('baseline');
  const perCpu = (r: FanoutResult) => r.received / r.serverCpuSeconds;
  const figures: Figure[] = [
    { name: 'sockets connected', unit: 'sockets', ...perServer(results, (r) => r.sockets), better: 'higher' },
    { name: 'events published', unit: 'events', ...perServer(results, (r) => r.published), better: 'none' },
    { name: 'deliveries per second', unit: '/s', ...perServer(results, (r) => r.received / r.seconds), better: 'higher' },
    {
      name: 'deliveries per server CPU-second',
      unit: '/CPU-s',
      ...perServer(results, perCpu),
      better: 'higher',
      target: g && b ? { text: '≥ 2.5× baseline', met: perCpu(g) >= 2.5 * perCpu(b) } : undefined,
    },
    { name: 'server CPU', unit: '% of a core', ...perServer(results, (r) => (100 * r.serverCpuSeconds) / r.seconds), better: 'lower' },
    { name: 'of which in the kernel (system time)', unit: '%', ...perServer(results, (r) => (100 * r.serverSystemSeconds) / r.serverCpuSeconds), better: 'none' },
    {
      name: 'deliveries per server user-space CPU-second',
      unit: '/CPU-s',
      ...perServer(results, (r) => r.received / (r.serverCpuSeconds - r.serverSystemSeconds)),
      better: 'higher',
    },
    { name: 'client processes CPU (together)', unit: '% of a core', ...perServer(results, (r) => (100 * r.clientCpuSeconds) / r.seconds), better: 'none' },
    { name: 'latency p50 (publish → client)', unit: 'ms', ...perServer(results, (r) => r.p50), better: 'lower' },
    { name: 'latency p99 (publish → client)', unit: 'ms', ...perServer(results, (r) => r.p99), better: 'lower', target: g && { text: '≤ 50', met: g.p99 !== undefined && g.p99 <= 50 } },
    { name: 'latency max', unit: 'ms', ...perServer(results, (r) => r.max), better: 'lower' },
    { name: 'of which publish → server emit, p50 (gateway histogram bucket)', unit: 'ms ≤', gateway: g?.emitLagP50, baseline: undefined, better: 'lower' },
    { name: 'of which publish → server emit, p99 (gateway histogram bucket)', unit: 'ms ≤', gateway: g?.emitLagP99, baseline: undefined, better: 'lower' },
    { name: 'delivery ratio', unit: '%', ...perServer(results, (r) => (100 * r.received) / r.expected), better: 'higher', target: g && { text: '100%', met: g.received >= g.expected } },
    { name: 'errors (publish, drops, protocol)', unit: 'count', ...perServer(results, (r) => r.errors), better: 'lower' },
  ];
  return {
    figures,
    conditions: [
      `${rooms} rooms × ${roomSize} sockets; ${rate} message.created events/s published into JetStream for ${seconds} s after a ${warmup} s warm-up (${rate * roomSize} deliveries/s planned); ~200-byte messages`,
      'latency: the publish time written into the event (its created_at and body) → the client receives message:new; it includes JetStream and the adapter, so it bounds emit → client from above',
      'server CPU: utime + stime of the server process (/proc/<pid>/stat) over the measured window, which ends when the last delivery arrived',
    ],
  };
}
