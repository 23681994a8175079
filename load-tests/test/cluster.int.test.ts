/**
 * `npm run load -- cluster` at a tiny scale: 1 and 2 real gateway processes on the runner's private stack, the
 * discard phase and two rates. The figures are benchmarks (docs/scaling.md); here only what must hold at any scale:
 * a row per gateway count with each node's figures, every delivery made on the node that holds the socket.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCliRuns } from './cli-runs.js';
import type { ClusterResults } from '../src/scenarios/cluster-results.js';

const RUN_TIMEOUT_MS = 150_000;
const runs = createCliRuns(RUN_TIMEOUT_MS);
afterAll(() => runs.dispose());

async function runCluster(flags: string[]): Promise<{ table: string; data: ClusterResults }> {
  const { table, json } = await runs.run<{ data: ClusterResults }>('cluster', flags);
  return { table, data: json.data };
}

describe('npm run load -- cluster', () => {
  it('cluster - 1 and 2 gateways: per-node CPU per 1,000 events for the discard phase and each rate, every delivery on the node holding its socket', async () => {
    const rates = [20, 40];
    const { table, data } = await runCluster(['--gateways', '1,2', '--sockets', '40', '--rates', rates.join(','), '--seconds', '2', '--warmup', '1', '--discard-rate', '100', '--idle-seconds', '1']);

    expect(table).toContain('### Discard: events for a conversation with no socket anywhere');
    for (const rate of rates) expect(table).toContain(`### ${rate} events/s cluster-wide`);
    expect(data.sockets).toBeGreaterThanOrEqual(40);

    expect(data.discard.map((d) => [d.gateways, d.cpuMsPer1000.length])).toEqual([[1, 1], [2, 2]]);
    for (const phase of data.discard) {
      expect(phase.published).toBe(200);
      for (const cpu of phase.cpuMsPer1000) expect(cpu).toBeGreaterThan(0);
    }

    expect(data.rates.map((p) => [p.gateways, p.rate, p.nodes.length])).toEqual([[1, 20, 1], [1, 40, 1], [2, 20, 2], [2, 40, 2]]);
    for (const phase of data.rates) {
      expect(phase.errors).toBe(0);
      expect(phase.published).toBe(phase.rate * 2);
      for (const node of phase.nodes) {
        expect(node.expected).toBeGreaterThan(0);
        expect(node.received).toBe(node.expected);
        expect(node.cpuMsPer1000).toBeGreaterThan(0);
        expect(node.p99).toBeGreaterThanOrEqual(0);
      }
      // With two nodes, each holds part of the rooms: some events have no socket on it.
      if (phase.gateways === 2) for (const node of phase.nodes) expect(node.localShare).toBeLessThan(1);
    }
    // The same events to the same sockets, split over the nodes: as many deliveries with 2 gateways as with 1.
    const deliveries = (gateways: number, rate: number) =>
      data.rates.find((p) => p.gateways === gateways && p.rate === rate)!.nodes.reduce((sum, n) => sum + n.received, 0);
    for (const rate of rates) expect(deliveries(2, rate)).toBe(deliveries(1, rate));
  }, RUN_TIMEOUT_MS + 10_000);
});
