import { describe, expect, it } from 'vitest';
import { discardTable, rateTable } from './cluster-report.js';
import type { RatePhase } from './cluster-results.js';

describe('cluster report', () => {
  it('discard table - the cluster is the sum of its gateways, its ratio to the 1-gateway row, and each gateway above its idle CPU', () => {
    const table = discardTable([
      { gateways: 1, rate: 1000, published: 10_000, windowSeconds: 12, cpuMsPer1000: [180], idleMsPerSecond: [20] },
      { gateways: 2, rate: 1000, published: 10_000, windowSeconds: 12, cpuMsPer1000: [185, 175], idleMsPerSecond: [10, 20] },
    ]);
    const rows = table.split('\n').filter((line) => /^\| \d/.test(line));
    // 20 ms/s over 12 s = 240 ms over 10,000 events = 24 µs per event of idle.
    expect(rows[0]).toBe('| 1 | 180 ms | 180 ms | 1.00× | 156 µs | 20.0 | 10,000 at 1000/s |');
    expect(rows[1]).toBe('| 2 | 185, 175 ms | 360 ms | 2.00× | 173, 151 µs | 10.0, 20.0 | 10,000 at 1000/s |');
  });

  it('rate table - one row per gateway count of that rate, deliveries against what the sockets should get', () => {
    const phase = (gateways: number, rate: number, received: number[]): RatePhase => ({
      gateways,
      rate,
      published: rate * 10,
      seconds: 10,
      deliverySeconds: 10,
      nodes: received.map((r) => ({ cpuMsPer1000: 100, received: r, expected: 35_000 / received.length, p99: 12, emitLagP99: 5, localShare: 0.75 })),
      clusterP99: 12,
      errors: 0,
    });
    const table = rateTable(1000, [phase(1, 1000, [35_000]), phase(2, 1000, [17_500, 17_000]), phase(1, 5000, [1])]);
    const rows = table.split('\n').filter((line) => /^\| \d/.test(line));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('| 100, 100 ms | 200 ms | 2.00× | 17,500, 17,000 | 34,500 of 35,000 (98.6%), 3,450/s over 10.0 s |');
  });
});
