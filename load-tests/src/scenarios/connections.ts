import type { SocketSpec } from '../clients/worker-messages.js';
import { clientAuth, createFixtures, DEVICE_IDENTITIES, type DeviceIdentity } from '../fixtures/app-fixtures.js';
import { heapSnapshot } from '../measure/heap-snapshot.js';
import { perServer, type Figure } from '../measure/report.js';
import { engineIoUrl } from '../protocol/sio-frames.js';
import { OPERATOR_TOKEN, type ServerKind } from '../stack/load-stack.js';
import type { RunContext } from './run-context.js';
import { sleep } from '@switchboard/testing';

interface ConnectionsResult {
  readonly attempted: number;
  readonly held: number;
  readonly minHeld: number;
  readonly drops: number;
  readonly connectErrors: number;
  readonly rampSeconds: number;
  readonly handshakeP50: number | undefined;
  readonly handshakeP99: number | undefined;
  readonly rssPerConnection: number;
  readonly heapPerConnection: number | undefined;
  /** RSS minus the V8 heap committed, per connection: native memory (uWS sockets and topics, malloc), code pages. */
  readonly outsideHeapPerConnection: number | undefined;
  readonly holdCpuPercent: number;
}

/**
 * `connections`: ramps to `--connections` sockets (devices with presence, tabs auto-joined to their conversation),
 * holds them `--hold` seconds, and reads the server's memory before and after. Defaults: 19,000 for 60 s.
 * `--identity user`: every device signs in as a user of its own (`user_token` in each handshake, exp 1 h).
 */
export async function runConnections(ctx: RunContext): Promise<{ figures: Figure[]; conditions: string[] }> {
  const { flags, stack, fleet, log } = ctx;
  const connections = flags.int('connections', 19_000);
  const hold = flags.int('hold', 60);
  const tabs = Math.max(1, flags.int('tabs', 10));
  const concurrency = flags.int('concurrency', 25);
  const devices = Math.ceil(connections / tabs);
  const identity = flags.str('identity', 'anonymous') as DeviceIdentity;
  if (!DEVICE_IDENTITIES.includes(identity)) throw new Error(`--identity takes ${DEVICE_IDENTITIES.join(' or ')} (got ${identity})`);

  log(`creating ${devices} devices with a conversation each${identity === 'user' ? ', each signed in as a user of its own' : ''}`);
  const fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices, conversations: true, prefix: 'conn', identity });
  const sockets: SocketSpec[] = Array.from({ length: connections }, (_, i) => ({
    nsp: '/client',
    auth: clientAuth(fixtures.app, fixtures.devices[i % devices]!),
  }));

  const results = new Map<ServerKind, ConnectionsResult>();
  for (const kind of ctx.servers) {
    log(`${kind}: starting`);
    const server = await ctx.stack.startServer(kind);
    try {
      await sleep(3000);
      // With --heap-snapshot (and --profile DIR): a snapshot before and after, each after a full GC.
      const snapshots = Boolean(ctx.flags.optional('heap-snapshot'));
      if (snapshots) await heapSnapshot(server, log);
      await ctx.collectGarbage(server);
      const before = await ctx.sample(server);
      log(`${kind}: idle RSS ${(before.rssBytes / 2 ** 20).toFixed(1)} MiB; opening ${connections} sockets`);
      const rampStart = Date.now();
      const opened = await fleet.open(engineIoUrl(server.process.url), sockets, { concurrencyPerWorker: concurrency });
      const rampSeconds = (Date.now() - rampStart) / 1000;
      log(`${kind}: ${opened.open} open after ${rampSeconds.toFixed(1)} s (errors: ${JSON.stringify(opened.connectErrors)}); holding ${hold} s`);
      const holdStart = await ctx.sample(server);
      let minHeld = opened.open;
      const holdEnd = Date.now() + hold * 1000;
      while (Date.now() < holdEnd) {
        await sleep(Math.min(5000, Math.max(0, holdEnd - Date.now())));
        minHeld = Math.min(minHeld, (await fleet.snapshot()).open);
      }
      const cpuAfterHold = await ctx.sample(server);
      await ctx.collectGarbage(server);
      const after = await ctx.sample(server);
      const end = await fleet.snapshot();
      const held = end.open;
      log(`${kind}: held ${held} (min ${minHeld}), drops ${end.drops}; RSS ${(after.rssBytes / 2 ** 20).toFixed(1)} MiB`);
      if (snapshots) await heapSnapshot(server, log);
      results.set(kind, {
        attempted: connections,
        held,
        minHeld,
        drops: end.drops,
        connectErrors: Object.values(end.connectErrors).reduce((a, b) => a + b, 0),
        rampSeconds,
        handshakeP50: opened.handshake.percentile(50),
        handshakeP99: opened.handshake.percentile(99),
        rssPerConnection: (after.rssBytes - before.rssBytes) / Math.max(1, held),
        heapPerConnection:
          after.heapUsedBytes !== undefined && before.heapUsedBytes !== undefined ? (after.heapUsedBytes - before.heapUsedBytes) / Math.max(1, held) : undefined,
        outsideHeapPerConnection:
          after.heapTotalBytes !== undefined && before.heapTotalBytes !== undefined
            ? (after.rssBytes - after.heapTotalBytes - (before.rssBytes - before.heapTotalBytes)) / Math.max(1, held)
            : undefined,
        holdCpuPercent: (100 * (cpuAfterHold.cpuSeconds - holdStart.cpuSeconds)) / ((cpuAfterHold.at - holdStart.at) / 1000),
      });
    } finally {
      await fleet.closeSockets();
      await server.stop();
    }
  }
  const g = results.get('gateway');
  const figures: Figure[] = [
    { name: 'connections held at the end', unit: 'sockets', ...perServer(results, (r) => r.held), better: 'higher', target: g && { text: `≥ ${connections}`, met: g.held >= connections && g.minHeld >= connections } },
    { name: 'fewest held during the hold', unit: 'sockets', ...perServer(results, (r) => r.minHeld), better: 'higher' },
    { name: 'drops during the hold', unit: 'sockets', ...perServer(results, (r) => r.drops), better: 'lower', target: g && { text: '0', met: g.drops === 0 } },
    { name: 'handshake errors', unit: 'sockets', ...perServer(results, (r) => r.connectErrors), better: 'lower' },
    { name: 'ramp time', unit: 's', ...perServer(results, (r) => r.rampSeconds), better: 'lower' },
    { name: 'handshake p50 (open → connected)', unit: 'ms', ...perServer(results, (r) => r.handshakeP50), better: 'lower' },
    { name: 'handshake p99', unit: 'ms', ...perServer(results, (r) => r.handshakeP99), better: 'lower' },
    { name: 'RSS per connection (after a full GC)', unit: 'bytes', ...perServer(results, (r) => r.rssPerConnection), better: 'lower', target: g && { text: '≤ 8,000', met: g.rssPerConnection <= 8000 } },
    { name: 'JS heap used per connection (after a full GC)', unit: 'bytes', ...perServer(results, (r) => r.heapPerConnection), better: 'lower' },
    { name: 'RSS outside the V8 heap per connection', unit: 'bytes', ...perServer(results, (r) => r.outsideHeapPerConnection), better: 'lower' },
    { name: 'server CPU while holding (heartbeats)', unit: '% of a core', ...perServer(results, (r) => r.holdCpuPercent), better: 'lower' },
  ];
  const identityText = identity === 'user' ? 'user (one user per device, an HS256 user_token in every handshake, exp 1 h)' : 'anonymous (API key only)';
  return {
    figures,
    conditions: [
      `${connections} sockets over ${devices} devices (${tabs} tabs each, auto-joined to the device's conversation), held ${hold} s; identity ${identityText}; ${concurrency} handshakes in flight per client process; ping interval 25 s`,
      'memory: VmRSS (/proc/<pid>/status) and nodejs_heap_size_used_bytes (/metrics), each read after two full GCs forced through the inspector (--gc 0: without), before the sockets and at the end of the hold; the delta divided by the sockets held',
    ],
  };
}
