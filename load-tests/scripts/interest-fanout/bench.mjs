// CPU per cluster event of each node, for one interest fan-out mechanism:
//   node load-tests/scripts/interest-fanout/bench.mjs MECH [RATE] [SECONDS]     MECH: streams | sharded | nats | registry
// Starts a private redis-server and nats-server -js, a stream and the shared durable consumer, and three node
// processes (node.mjs): A takes every event from the consumer and hands it to the mechanism (it holds no socket),
// B holds no socket (the discard cost), C holds one socket (client.mjs, a separate process) in the events'
// conversation room (the deliver cost). Publishes RATE `message.created` events/s (default 1000) for SECONDS
// (default 10) into JetStream, all for one conversation and app. Each node's CPU (process.cpuUsage) is measured
// over an idle window first (as long as the load) and over the load window; the idle rate is subtracted. Prints one JSON line.
// EXTRA_ROOMS=N: C's socket is also in N other conversation rooms. The sharded mechanism needs SHARDED_ADAPTER=<dir of @socket.io/redis-adapter 8.3.0> (README.md).
import { performance } from 'node:perf_hooks';
import { jetstream } from '@nats-io/jetstream';
import { cpuMicros, forkProcess, loadAverage, procCpuMicros, rssKib, sleep, startServers, addFanoutStream, messageCreatedEvent } from './lib.mjs';

const [mech = 'streams', rateText = '1000', secondsText = '10'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const IDLE_MS = seconds * 1000;
const prefix = `ifb${process.pid}`;

const servers = await startServers();
const { stream, durable, subject } = await addFanoutStream(servers.nc, prefix);

const env = (id, role) => ({ MECH: mech, ROLE: role, NODE_ID: id, REDIS_URL: servers.redisUrl, NATS_URL: servers.natsUrl, PREFIX: prefix, STREAM: stream, DURABLE: durable });
const nodes = {
  A: await forkProcess('node.mjs', env('A', 'consumer')),
  B: await forkProcess('node.mjs', env('B', 'node')),
  C: await forkProcess('node.mjs', env('C', 'node')),
};
const socket = await forkProcess('client.mjs', { PORT: String(nodes.C.info.port), NSP: '/client' });
await socket.call('join', { room: 'conv:hot' });
// EXTRA_ROOMS=N: node C also holds interest in N other conversations (subscriptions, set members, channels).
const extraRooms = Number(process.env.EXTRA_ROOMS ?? 0);
if (extraRooms > 0) await socket.call('join-many', { rooms: extraRooms });
// Startup settles, then a full GC in every node, so its garbage is not collected inside a measured window.
await sleep(4000);
for (const node of Object.values(nodes)) await node.call('gc');
await sleep(500);

const snapshot = async () => {
  const out = { t: performance.now(), redis: procCpuMicros(servers.pids.redis), nats: procCpuMicros(servers.pids.nats) };
  for (const [name, node] of Object.entries(nodes)) {
    const r = await node.call('cpu');
    out[name] = cpuMicros(r.cpu);
    out[`${name}in`] = r.inbound;
  }
  return out;
};
const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));

const load = { before: loadAverage() };
const idle0 = await snapshot();
await sleep(IDLE_MS);
const idle = diff(idle0, await snapshot());

const js = jetstream(servers.nc);
const events = rate * seconds;
const event = (i) => messageCreatedEvent(i, 'hot');
const loaded0 = await snapshot();
const tickMs = 10;
const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
const started = performance.now();
let sent = 0;
const acks = [];
while (sent < events) {
  for (let i = 0; i < perTick && sent < events; i++, sent++) {
    // A publish the loaded server does not confirm in time is counted, not fatal: the figures are per consumed event.
    acks.push(js.publish(subject, JSON.stringify(event(sent)), { msgID: `${prefix}-${sent}`, timeout: 30_000 }).then(() => 0, () => 1));
  }
  const due = started + (sent / rate) * 1000;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
}
const publishFailures = (await Promise.all(acks)).reduce((a, b) => a + b, 0);
const publishSeconds = (performance.now() - started) / 1000;
// Every event consumed and delivered (or 10 s more), then a second for the tail.
const deadline = performance.now() + 10_000;
let delivered = 0;
while (performance.now() < deadline) {
  delivered = (await socket.call('count')).count;
  const { consumed } = await nodes.A.call('cpu');
  if (consumed >= events - publishFailures && (mech === 'none' || delivered >= consumed)) break;
  await sleep(100);
}
await sleep(1000);
const loaded = diff(loaded0, await snapshot());
delivered = (await socket.call('count')).count;
const consumed = (await nodes.A.call('cpu')).consumed;
load.after = loadAverage();

// µs per consumed event: the load window's CPU less the idle rate over the same time.
const perEvent = {};
for (const k of ['A', 'B', 'C', 'redis', 'nats']) {
  const net = loaded[k] - (idle[k] / idle.t) * loaded.t;
  perEvent[k] = Math.round((net / consumed) * 10) / 10;
}
// Cluster packets each node decoded per consumed event (adapter messages, NATS messages, stream entries).
const inboundPerEvent = Object.fromEntries(['A', 'B', 'C'].map((k) => [k, Math.round((loaded[`${k}in`] / consumed) * 100) / 100]));
const rss = { redis: rssKib(servers.pids.redis), nats: rssKib(servers.pids.nats) };
const idlePerSecond = Object.fromEntries(['A', 'B', 'C', 'redis', 'nats'].map((k) => [k, Math.round(idle[k] / (idle.t / 1000))]));
console.log(
  JSON.stringify({
    mech,
    extraRooms,
    rate,
    seconds,
    at: new Date().toISOString(),
    load,
    events,
    publishFailures,
    publishSeconds: Math.round(publishSeconds * 100) / 100,
    consumed,
    delivered,
    usPerEvent: perEvent,
    inboundPerEvent,
    loadWindowSeconds: Math.round(loaded.t / 100) / 10,
    serverRssKib: rss,
    idleCpuUsPerSecond: idlePerSecond,
  }),
);

socket.stop();
for (const node of Object.values(nodes)) node.stop();
await sleep(300);
await servers.stop();
process.exit(0);
