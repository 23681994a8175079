// The measurement, per mechanism: N nodes all pulling from the shared consumer, no socket anywhere:
//   node load-tests/scripts/interest-fanout/cluster.mjs MECH NODES [RATE] [SECONDS]
// Like bench.mjs (same nodes, servers, events and CPU windows), but every node is a consumer, so each takes ~1/N of
// the events, and no node holds a socket. PULL_MS=N: the nodes pull every N ms instead (node.mjs). Prints each
// node's and the whole cluster's CPU per event (µs), one JSON line.
import { performance } from 'node:perf_hooks';
import { jetstream } from '@nats-io/jetstream';
import { cpuMicros, forkProcess, loadAverage, sleep, startServers, addFanoutStream, messageCreatedEvent } from './lib.mjs';

const [mech = 'streams', nodesText = '3', rateText = '1000', secondsText = '10'] = process.argv.slice(2);
const count = Number(nodesText);
const rate = Number(rateText);
const seconds = Number(secondsText);
const prefix = `ifc${process.pid}`;

const servers = await startServers();
const { stream, durable, subject } = await addFanoutStream(servers.nc, prefix);
const nodes = [];
for (let i = 0; i < count; i++) {
  nodes.push(
    await forkProcess('node.mjs', { MECH: mech, ROLE: 'consumer', NODE_ID: `N${i}`, REDIS_URL: servers.redisUrl, NATS_URL: servers.natsUrl, PREFIX: prefix, STREAM: stream, DURABLE: durable }),
  );
}
await sleep(4000);
for (const node of nodes) await node.call('gc');
await sleep(500);
const snapshot = async () => {
  const out = { t: performance.now(), cpu: [], consumed: [] };
  for (const node of nodes) {
    const r = await node.call('cpu');
    out.cpu.push(cpuMicros(r.cpu));
    out.consumed.push(r.consumed);
  }
  return out;
};
const load = { before: loadAverage() };
const idle0 = await snapshot();
await sleep(seconds * 1000);
const idle1 = await snapshot();

const js = jetstream(servers.nc);
const events = rate * seconds;
const event = (i) => messageCreatedEvent(i, 'nobody');
const load0 = await snapshot();
const perTick = Math.max(1, Math.round(rate / 100));
const started = performance.now();
let sent = 0;
const acks = [];
while (sent < events) {
  for (let i = 0; i < perTick && sent < events; i++, sent++) {
    acks.push(js.publish(subject, JSON.stringify(event(sent)), { msgID: `${prefix}-${sent}`, timeout: 30_000 }).then(() => 0, () => 1));
  }
  const wait = started + (sent / rate) * 1000 - performance.now();
  if (wait > 0) await sleep(wait);
}
const publishFailures = (await Promise.all(acks)).reduce((a, b) => a + b, 0);
const deadline = performance.now() + 10_000;
let consumed = 0;
while (performance.now() < deadline) {
  consumed = (await snapshot()).consumed.reduce((a, b) => a + b, 0) - load0.consumed.reduce((a, b) => a + b, 0);
  if (consumed >= events - publishFailures) break;
  await sleep(100);
}
await sleep(1000);
const load1 = await snapshot();
load.after = loadAverage();
consumed = load1.consumed.reduce((a, b) => a + b, 0) - load0.consumed.reduce((a, b) => a + b, 0);
const idleT = idle1.t - idle0.t;
const loadT = load1.t - load0.t;
const perNode = nodes.map((_, i) => {
  const net = load1.cpu[i] - load0.cpu[i] - ((idle1.cpu[i] - idle0.cpu[i]) / idleT) * loadT;
  return Math.round((net / consumed) * 10) / 10;
});
console.log(
  JSON.stringify({
    mech,
    nodes: count,
    pullMs: Number(process.env.PULL_MS ?? 0),
    rate,
    seconds,
    at: new Date().toISOString(),
    load,
    events,
    publishFailures,
    consumed,
    consumedPerNode: load1.consumed.map((c, i) => c - load0.consumed[i]),
    usPerEventPerNode: perNode,
    usPerEventCluster: Math.round(perNode.reduce((a, b) => a + b, 0) * 10) / 10,
    idleCpuUsPerSecondPerNode: nodes.map((_, i) => Math.round((idle1.cpu[i] - idle0.cpu[i]) / (idleT / 1000))),
  }),
);
for (const node of nodes) node.stop();
await sleep(300);
await servers.stop();
process.exit(0);
