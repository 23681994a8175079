import { describe, expect, it } from 'vitest';
import { exposedSeriesNames, metricNames, requiredLabelValues, samples } from './promql.js';

describe('promql helpers', () => {
  it('promql - finds metric names past functions, matchers, grouping, ranges, numbers and Grafana variables', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (namespace, le) (rate(http_request_duration_seconds_bucket{service="messages", route!="unmatched"}[5m]))) > 1'))
      .toEqual(['http_request_duration_seconds_bucket']);
    expect(metricNames('absent(up{job="switchboard-gateway"} == 1)')).toEqual(['up']);
    expect(metricNames('sum(rate(a_total{x=~"5.."}[$__rate_interval])) / sum(rate(b_count[5m] offset 1h)) > 1e3')).toEqual(['a_total', 'b_count']);
    expect(metricNames('max by (node_id) (x{node_id=~"$node_id"}) and on (a) y')).toEqual(['x', 'y']);
    expect(metricNames('label_values(switchboard_gateway_connections, node_id)')).toEqual(['switchboard_gateway_connections']);
  });

  it('promql - reads metric families from # TYPE lines, histograms with their _bucket/_sum/_count series', () => {
    const text = '# HELP h x\n# TYPE h histogram\n# HELP c y\n# TYPE c_total counter\nc_total 1\n';
    expect([...exposedSeriesNames(text)].sort()).toEqual(['c_total', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });

  it('promql - reads sample lines with their labels; a family with only # TYPE has none', () => {
    const text = '# TYPE h histogram\n# TYPE c_total counter\nc_total{namespace="/client",reason="ping timeout"} 0\nd 1.5\n';
    expect(samples(text)).toEqual([
      { name: 'c_total', labels: { namespace: '/client', reason: 'ping timeout' } },
      { name: 'd', labels: {} },
    ]);
  });

  it('promql - lists the label values an expression names (equality and plain alternations), not variables or patterns', () => {
    expect(requiredLabelValues('sum(rate(a_total{code=~"INTERNAL|UNAVAILABLE", node_id=~"$node_id"}[5m])) + b{result="malformed", status=~"5.."}')).toEqual([
      { metric: 'a_total', label: 'code', value: 'INTERNAL' },
      { metric: 'a_total', label: 'code', value: 'UNAVAILABLE' },
      { metric: 'b', label: 'result', value: 'malformed' },
    ]);
  });
});
