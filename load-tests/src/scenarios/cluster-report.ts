import type { ClusterResults, DiscardPhase, RatePhase } from './cluster-results.js';

const ms = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '—' : value >= 100 ? Math.round(value).toString() : value.toFixed(1));
const each = (values: readonly (number | undefined)[], unit = '') => values.map((v) => `${ms(v)}${unit}`).join(', ');
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const times = (value: number, one: number | undefined) => (one === undefined || one === 0 ? '—' : `${(value / one).toFixed(2)}×`);
const pct = (value: number) => `${Math.round(100 * value)}%`;

function table(header: readonly string[], rows: readonly string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The "Why" table: CPU per 1,000 events of a conversation with no socket anywhere, per gateway and for the cluster. */
export function discardTable(phases: readonly DiscardPhase[]): string {
  const one = phases.find((p) => p.gateways === 1);
  const oneCluster = one && sum(one.cpuMsPer1000);
  const rows = phases.map((p) => {
    const cluster = sum(p.cpuMsPer1000);
    return [
      String(p.gateways),
      `${each(p.cpuMsPer1000)} ms`,
      `${ms(cluster)} ms`,
      times(cluster, oneCluster),
      `${each(p.cpuMsPer1000.map((cpu, k) => cpu - (1000 * p.idleMsPerSecond[k]! * p.windowSeconds) / Math.max(1, p.published)))} µs`,
      each(p.idleMsPerSecond),
      `${p.published.toLocaleString('en-US')} at ${p.rate}/s`,
    ];
  });
  return [
    '### Discard: events for a conversation with no socket anywhere',
    '',
    table(['gateways', 'CPU per 1,000 events, each gateway', 'whole cluster', 'cluster ÷ 1 node', 'CPU per event above idle, each gateway', 'idle CPU, each gateway (ms/s)', 'events'], rows),
  ].join('\n');
}

/** One table per rate, one row per gateway count: each node's figures and the cluster's. */
export function rateTable(rate: number, phases: readonly RatePhase[]): string {
  const ofRate = phases.filter((p) => p.rate === rate);
  const cpuOf = (p: RatePhase) => sum(p.nodes.map((n) => n.cpuMsPer1000));
  const one = ofRate.find((p) => p.gateways === 1);
  const rows = ofRate.map((p) => {
    const received = sum(p.nodes.map((n) => n.received));
    const expected = sum(p.nodes.map((n) => n.expected));
    return [
      String(p.gateways),
      `${each(p.nodes.map((n) => n.cpuMsPer1000))} ms`,
      `${ms(cpuOf(p))} ms`,
      times(cpuOf(p), one && cpuOf(one)),
      p.nodes.map((n) => n.received.toLocaleString('en-US')).join(', '),
      `${received.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} (${((100 * received) / Math.max(1, expected)).toFixed(1)}%), ${Math.round(received / p.deliverySeconds).toLocaleString('en-US')}/s over ${p.deliverySeconds.toFixed(1)} s`,
      `${each(p.nodes.map((n) => n.p99))} ms`,
      `${ms(p.clusterP99)} ms`,
      `${each(p.nodes.map((n) => n.emitLagP99))} ms`,
      p.nodes.map((n) => pct(n.localShare)).join(', '),
      String(p.errors),
    ];
  });
  return [
    `### ${rate.toLocaleString('en-US')} events/s cluster-wide`,
    '',
    table(
      ['gateways', 'CPU per 1,000 cluster events, each node', 'whole cluster', 'cluster ÷ 1 node', 'deliveries, each node', 'deliveries, cluster (per second: first publish → last delivery)', 'p99 publish → client, each node', 'p99, cluster', 'of which publish → emit p99, each node (≤ bucket)', 'events with a local socket, each node', 'errors'],
      rows,
    ),
  ].join('\n');
}

export function clusterTables(results: ClusterResults): string[] {
  const rates = [...new Set(results.rates.map((p) => p.rate))];
  return [...(results.discard.length > 0 ? [discardTable(results.discard)] : []), ...rates.map((rate) => rateTable(rate, results.rates))];
}
