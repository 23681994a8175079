import { describe, expect, it } from 'vitest';
import { createCounter, createHttpDurationHistogram, createMetricsRegistry, zeroKnownSeries } from './index.js';

describe('metrics', () => {
  it('metrics - a private registry with default metrics and the HTTP histogram by route template', async () => {
    const a = createMetricsRegistry({ defaultLabels: { service: 'a' } });
    const b = createMetricsRegistry({ collectDefaults: false });
    const histogram = createHttpDurationHistogram(a);
    histogram.observe({ method: 'GET', route: '/v1/conversations/:id', status: '200' }, 0.003);
    const text = await a.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",service="a",method="GET",route="/v1/conversations/:id",status="200"} 1');
    expect(await b.metrics()).not.toContain('http_request_duration_seconds');
  });
});

describe('known series', () => {
  it('metrics - zeroKnownSeries exports every combination of known label values at 0, before any observation', async () => {
    const registry = createMetricsRegistry({ collectDefaults: false });
    const counter = createCounter(registry, 'sb_test_total', 'test', ['namespace', 'state']);
    zeroKnownSeries(counter, { namespace: ['/client', '/admin'], state: ['online', 'offline'] });
    const histogram = createHttpDurationHistogram(registry);
    zeroKnownSeries(histogram, { method: ['GET'], route: ['/v1/x'], status: ['200'] });
    const text = await registry.metrics();
    for (const namespace of ['/client', '/admin']) {
      for (const state of ['online', 'offline']) expect(text).toContain(`sb_test_total{namespace="${namespace}",state="${state}"} 0`);
    }
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/v1/x",status="200"} 0');
    counter.inc({ namespace: '/client', state: 'online' });
    expect(await registry.metrics()).toContain('sb_test_total{namespace="/client",state="online"} 1');
  });
});
