// Publish → handle latency through a JetStream pull consumer, by pulling strategy, against a private nats-server:
//   node load-tests/scripts/pull-expiry/pull-latency.mjs MODE [RATE] [SECONDS]
// MODE: fetch (one `fetch` loop, as the gateway did before docs/performance.md change 10) | staggered (the gateway's:
// two loops half a pull apart, each pull ended by the client 250 ms after its expiry) | consume (nats.js consume()).
// Environment: EXPIRES (ms, default 1000), HB (idle heartbeat ms, default nats.js's: EXPIRES / 2), LOOPS (default 1
// for fetch, 2 for staggered), GRACE (ms, staggered only, default 250). Starts its own `nats-server -js` on a free
// port and removes it. Prints the latency percentiles and every pull that ended without its 408.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';

const [mode = 'fetch', rateText = '200', secondsText = '45'] = process.argv.slice(2);
if (!['fetch', 'staggered', 'consume'].includes(mode)) throw new Error(`unknown mode ${mode}`);
const rate = Number(rateText);
const seconds = Number(secondsText);
const expires = Number(process.env.EXPIRES ?? 1000);
const heartbeat = process.env.HB ? { idle_heartbeat: Number(process.env.HB) } : {};
const loops = Number(process.env.LOOPS ?? (mode === 'staggered' ? 2 : 1));
const grace = mode === 'staggered' ? Number(process.env.GRACE ?? 250) : undefined;

const port = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const dir = mkdtempSync(path.join(tmpdir(), 'pull-expiry-'));
const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
const url = `nats://127.0.0.1:${port}`;
let nc;
for (let i = 0; i < 50 && !nc; i++) nc = await connect({ servers: url }).catch(() => new Promise((r) => setTimeout(r, 100)));

const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: 'PULLS', subjects: ['pulls.>'] });
await jsm.consumers.add('PULLS', {
  durable_name: 'c',
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.New,
  ack_wait: 10_000_000_000,
  max_ack_pending: 20_000,
});
const consumer = await jetstream(nc).consumers.get('PULLS', 'c');

const started = Date.now();
const latencies = [];
const pulls = [];
const handle = (m) => {
  latencies.push(Date.now() - Number(m.string()));
  m.ack();
};
let running = true;

const pullLoop = async (delay) => {
  await new Promise((r) => setTimeout(r, delay));
  while (running) {
    const batch = await consumer.fetch({ max_messages: 500, expires, ...heartbeat });
    const pull = { at: (Date.now() - started) / 1000, ended408: false, batch };
    pulls.push(pull);
    (async () => {
      for await (const s of batch.status()) if (s.type === 'debug' && s.code === 408) pull.ended408 = true;
    })();
    const deadline = grace === undefined ? undefined : setTimeout(() => setImmediate(() => batch.stop()), expires + grace);
    try {
      for await (const m of batch) handle(m);
    } catch (error) {
      if (error.message !== 'heartbeats missed') throw error;
    } finally {
      clearTimeout(deadline);
    }
  }
};

if (mode === 'consume') {
  const messages = await consumer.consume({ max_messages: 500, ...heartbeat });
  (async () => {
    for await (const m of messages) handle(m);
  })();
  setTimeout(() => messages.stop(), (seconds + 3) * 1000);
} else {
  for (let i = 0; i < loops; i++) void pullLoop((i * expires) / loops);
}

const publisher = await connect({ servers: url });
const js = jetstream(publisher);
for (let n = 0; Date.now() < started + seconds * 1000; n++) {
  const wait = started + (n * 1000) / rate - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  js.publish('pulls.x', String(Date.now())).catch(() => undefined);
}
await new Promise((r) => setTimeout(r, 3000));
running = false;

// A pull ends with its 408, or full (500 events), or (when the server went silent) by the client.
const silentEnds = pulls.filter((p) => !p.ended408 && p.batch.getReceived() < 500 && p.at < seconds).map((p) => `${(p.at + expires / 1000).toFixed(1)}`);
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
console.log(
  `${mode} rate ${rate}/s ${seconds} s${mode === 'consume' ? '' : ` expires ${expires} ms`}${heartbeat.idle_heartbeat ? ` hb ${heartbeat.idle_heartbeat} ms` : ''}` +
    `${mode === 'consume' ? '' : ` loops ${loops}`}${grace === undefined ? '' : ` grace ${grace} ms`}: ` +
    `received ${latencies.length}, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${latencies.at(-1)} ms; ` +
    `pulls ended without a 408: ${silentEnds.length}${silentEnds.length ? ` (at ${silentEnds.join(', ')} s)` : ''}`,
);
await publisher.close();
await nc.close();
server.kill();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
