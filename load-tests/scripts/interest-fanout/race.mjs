// The join race, for one interest fan-out mechanism:
//   node load-tests/scripts/interest-fanout/race.mjs MECH [JOINS]      MECH: streams | sharded | nats | registry
// Node A emits a flow of events (2 on each 1 ms timer, each stamped when A takes it) into one conversation at a
// time; a socket on node C, which has no interest in that conversation yet, joins its room while the flow runs
// (JOINS times, a new conversation each, default 200). The join's ack is stamped on C once the mechanism registered
// the interest. MECH also: nats-noflush (the NATS join without its flush).
// Counted as missed: an event of the joined conversation that never reached the socket although it was
//   - stamped after the ack (clock: both stamps are this machine's wall clock, performance.timeOrigin + now), or
//   - emitted after A heard from the parent that the ack had arrived (causal: no clocks, a lower bound).
// Prints one JSON line: joins, events expected, missed (clock, causal), joins with a miss, join ack latency.
import { performance } from 'node:perf_hooks';
import { forkProcess, loadAverage, sleep, startServers } from './lib.mjs';

const [mech = 'streams', joinsText = '200'] = process.argv.slice(2);
const joins = Number(joinsText);
const prefix = `ifr${process.pid}`;
const servers = await startServers();
const env = (id) => ({ MECH: mech, ROLE: 'node', NODE_ID: id, REDIS_URL: servers.redisUrl, NATS_URL: servers.natsUrl, PREFIX: prefix });
const A = await forkProcess('node.mjs', env('A'));
const C = await forkProcess('node.mjs', env('C'));
const socket = await forkProcess('client.mjs', { PORT: String(C.info.port), NSP: '/client', KEEP: '1' });
await sleep(1000);
const load = { before: loadAverage() };

const acks = {};
const latencies = [];
for (let k = 0; k < joins; k++) {
  const conversation = `r${k}`;
  await A.call('flow', { conversation, perTick: 2 });
  await sleep(5);
  const t0 = performance.now();
  const { at } = await socket.call('join', { room: `conv:${conversation}` });
  latencies.push(performance.now() - t0);
  await A.call('mark');
  acks[conversation] = at;
  await sleep(15);
}
const { emitted, marks } = await A.call('flow-stop');
await sleep(1000);
const { received } = await socket.call('received');
load.after = loadAverage();

const got = new Set(received.map(([c, seq]) => `${c}/${seq}`));
let expectedClock = 0;
let missedClock = 0;
let expectedCausal = 0;
let missedCausal = 0;
const joinsWithMiss = new Set();
const early = []; // how long after the ack the missed events were stamped (ms)
for (const [c, seq, at] of emitted) {
  const miss = !got.has(`${c}/${seq}`);
  if (at > acks[c]) {
    expectedClock++;
    if (miss) {
      missedClock++;
      joinsWithMiss.add(c);
      early.push(at - acks[c]);
    }
  }
  if (marks[c] !== undefined && seq >= marks[c]) {
    expectedCausal++;
    if (miss) missedCausal++;
  }
}
latencies.sort((a, b) => a - b);
const q = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 100) / 100;
early.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    mech,
    at: new Date().toISOString(),
    load,
    joins,
    emitted: emitted.length,
    received: received.length,
    expectedClock,
    missedClock,
    expectedCausal,
    missedCausal,
    joinsWithMiss: joinsWithMiss.size,
    missedStampedAfterAckMs: early.length ? { min: Math.round(early[0] * 100) / 100, max: Math.round(early[early.length - 1] * 100) / 100 } : null,
    joinAckMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
  }),
);
socket.stop();
A.stop();
C.stop();
await sleep(300);
await servers.stop();
process.exit(0);
