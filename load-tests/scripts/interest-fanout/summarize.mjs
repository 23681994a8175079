// The tables of docs/scaling.md from run-all.sh's output:
//   node load-tests/scripts/interest-fanout/summarize.mjs results/run-1.jsonl results/run-2.jsonl …
// One row per bench run (time, 1-minute load before → after, µs per event of each process, packets each node
// decoded per event, deliveries), then one row per race run. `--rate N`, `--rooms N` (extra rooms on C) keep only
// those bench runs; `--bench` or `--race` prints only that table; `--cluster`: cluster.mjs's runs.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args.splice(i, 2)[1];
};
const onlyRate = option('--rate');
const onlyRooms = option('--rooms');
const flag = (name) => {
  const i = args.indexOf(name);
  if (i !== -1) args.splice(i, 1);
  return i !== -1;
};
const onlyBench = flag('--bench');
const onlyRace = flag('--race');
const onlyCluster = flag('--cluster');
const runs = [];
for (const file of args) {
  const name = file.replace(/^.*\//, '').replace(/\.jsonl$/, '');
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    runs.push({ file: name, ...JSON.parse(line) });
  }
}
const time = (iso) => iso.slice(11, 16);
const load1 = (text) => text.split(' ')[0];
const order = ['none', 'streams', 'sharded', 'nats', 'registry', 'nats-noflush'];
const byMech = (a, b) => order.indexOf(a.mech) - order.indexOf(b.mech) || a.at.localeCompare(b.at);

const bench = runs
  .filter((r) => r.rate !== undefined && r.nodes === undefined)
  .filter((r) => onlyRate === undefined || r.rate === Number(onlyRate))
  .filter((r) => onlyRooms === undefined || (r.extraRooms ?? 0) === Number(onlyRooms))
  .sort((a, b) => a.rate - b.rate || (a.extraRooms ?? 0) - (b.extraRooms ?? 0) || byMech(a, b));
if (onlyCluster) printCluster();
else {
  if (!onlyRace) printBench();
  if (!onlyBench) printRace();
}

function printCluster() {
  const cluster = runs
    .filter((r) => r.nodes !== undefined && (onlyRate === undefined || r.rate === Number(onlyRate)))
    .sort((a, b) => a.rate - b.rate || byMech(a, b) || a.nodes - b.nodes);
  console.log('| mechanism | events/s | nodes | run (UTC, load) | µs per cluster event, each node | whole cluster | consumed | idle CPU ms/s, each node |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of cluster) {
    console.log(`| ${r.mech} | ${r.rate} | ${r.nodes} | ${r.file} ${time(r.at)} (${load1(r.load.before)} → ${load1(r.load.after)}) | ${r.usPerEventPerNode.join(', ')} | ${r.usPerEventCluster} | ${r.consumed} of ${r.events} | ${r.idleCpuUsPerSecondPerNode ? r.idleCpuUsPerSecondPerNode.map((u) => (u / 1000).toFixed(1)).join(', ') : '—'} |`);
  }
}

function printBench() {
console.log('| mechanism | events/s | extra rooms on C | run (UTC, load) | A: takes the event | B: no socket | C: one socket | redis-server | nats-server | packets decoded A / B / C | consumed, delivered |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of bench) {
  const u = r.usPerEvent;
  const inbound = r.inboundPerEvent ? `${r.inboundPerEvent.A} / ${r.inboundPerEvent.B} / ${r.inboundPerEvent.C}` : '—';
  console.log(
    `| ${r.mech} | ${r.rate} | ${r.extraRooms ?? 0} | ${r.file} ${time(r.at)} (${load1(r.load.before)} → ${load1(r.load.after)}) | ${u.A} | ${u.B} | ${u.C} | ${u.redis} | ${u.nats} | ${inbound} | ${r.consumed}, ${r.mech === 'none' ? '—' : r.delivered} of ${r.events} |`,
  );
}
}

function printRace() {
const race = runs.filter((r) => r.joins !== undefined).sort(byMech);
console.log('| mechanism | run (UTC, load) | joins | events after the ack (clock) | missed | joins with a miss | after the ack reached the parent (causal) | missed | join ack p50 / p99 ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of race) {
  console.log(
    `| ${r.mech} | ${r.file} ${time(r.at)} (${load1(r.load.before)} → ${load1(r.load.after)}) | ${r.joins} | ${r.expectedClock} | ${r.missedClock} | ${r.joinsWithMiss} | ${r.expectedCausal} | ${r.missedCausal} | ${r.joinAckMs.p50} / ${r.joinAckMs.p99} |`,
  );
}
}
