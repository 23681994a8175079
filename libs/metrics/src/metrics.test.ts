import { describe, expect, it } from 'vitest';
import { createHttpDurationHistogram, createMetricsRegistry } from './index.js';

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
