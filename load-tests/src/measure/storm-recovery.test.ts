import { describe, expect, it } from 'vitest';
import type { ScrapedMetrics } from './process-usage.js';
import { backWithin, counterDeltas, eventLoopLag, timeUntilBack } from './storm-recovery.js';

describe('storm recovery', () => {
  const t0 = 1_000_000;
  // 200 sockets, the i-th back i × 10 ms after the drop, given out of order.
  const backAt = Array.from({ length: 200 }, (_, i) => t0 + (199 - i) * 10);

  it('storm - 99 % back is the ceil(0.99 × total)-th socket back, 100 % the last', () => {
    expect(timeUntilBack(t0, backAt, 200, 0.99)).toBe(1970); // the 198th socket
    expect(timeUntilBack(t0, backAt, 200, 1)).toBe(1990);
    expect(timeUntilBack(t0, backAt, 200, 0.5)).toBe(990);
  });

  it('storm - undefined while fewer than the fraction of all sockets came back (the missing ones count)', () => {
    expect(timeUntilBack(t0, backAt.slice(0, 197), 200, 0.99)).toBeUndefined();
    expect(timeUntilBack(t0, backAt.slice(0, 198), 200, 0.99)).toBe(1990);
    expect(timeUntilBack(t0, backAt, 201, 1)).toBeUndefined();
    expect(timeUntilBack(t0, [], 19_000, 0.99)).toBeUndefined();
  });

  it('storm - 99 % of 19,000 needs 18,810 sockets back', () => {
    const many = Array.from({ length: 18_810 }, (_, i) => t0 + i);
    expect(timeUntilBack(t0, many, 19_000, 0.99)).toBe(18_809);
    expect(timeUntilBack(t0, many.slice(1), 19_000, 0.99)).toBeUndefined();
  });

  it('storm - the recovery curve counts the sockets back by each mark', () => {
    expect(backWithin(t0, backAt, [0, 500, 1000, 5000])).toEqual([1, 51, 101, 200]);
  });

  it('storm - event-loop lag p99 and max read from prom-client gauges, in ms', () => {
    const samples = new Map([
      ['nodejs_eventloop_lag_p99_seconds{service="gateway",node_id="load-1"}', 0.123],
      ['nodejs_eventloop_lag_max_seconds{service="gateway",node_id="load-1"}', 0.5],
    ]);
    const metrics: ScrapedMetrics = { rssBytes: undefined, heapUsedBytes: undefined, heapTotalBytes: undefined, cpuSeconds: undefined, samples };
    expect(eventLoopLag(metrics)).toEqual({ p99Ms: 123, maxMs: 500 });
    expect(eventLoopLag(undefined)).toEqual({ p99Ms: undefined, maxMs: undefined });
  });

  it('storm - the server counters that grew during the storm, from 0 for a process started since', () => {
    const scrape = (entries: [string, number][]): ScrapedMetrics => ({ rssBytes: undefined, heapUsedBytes: undefined, heapTotalBytes: undefined, cpuSeconds: undefined, samples: new Map(entries) });
    const before = scrape([['sb_auth_total{result="called"}', 10], ['sb_auth_total{result="queue_full"}', 5], ['other_total', 1]]);
    const after = scrape([['sb_auth_total{result="called"}', 25], ['sb_auth_total{result="queue_full"}', 5], ['sb_auth_total{result="queued"}', 3], ['other_total', 9]]);
    expect(counterDeltas(before, after, ['sb_auth_total'])).toEqual({ 'sb_auth_total{result="called"}': 15, 'sb_auth_total{result="queued"}': 3 });
    expect(counterDeltas(undefined, after, ['other_total'])).toEqual({ other_total: 9 });
  });
});

describe('listen queue counters', () => {
  it('storm - ListenOverflows and ListenDrops are read from the TcpExt lines of /proc/net/netstat', async () => {
    const { parseListenCounters } = await import('./listen-overflows.js');
    const netstat = [
      'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPHPHits',
      'TcpExt: 5 6 399102 399110 42',
      'IpExt: InNoRoutes InTruncatedPkts',
      'IpExt: 0 0',
    ].join('\n');
    expect(parseListenCounters(netstat)).toEqual({ overflows: 399_102, drops: 399_110 });
    expect(parseListenCounters('IpExt: A\nIpExt: 1')).toBeUndefined();
  });
});
