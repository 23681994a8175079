import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@switchboard/testing';
import { WEBHOOK_METRICS } from '../../services/webhooks/src/delivery/delivery-engine.js';
import { loadAlertRules } from './alert-rules.js';
import { dashboardQueries } from './dashboards.js';
import { SCRAPE_SERIES, metricNames, requiredLabelValues, samples, type Sample } from './promql.js';

/**
 * Alerts and dashboards must query what the services really export, from the first scrape: a labelled metric
 * that prom-client has not observed yet prints only its `# HELP`/`# TYPE` lines, which is "No data" in a panel
 * and a lost first `rate()` in an alert. A gateway, a messages service and a webhooks service start here (the
 * shared harness: test database, private nats-server, shared Redis); nothing is sent, and their first /metrics must
 * hold a sample line of every metric name, and of every label value, that an alert expression or a dashboard query
 * names.
 */
let stack: Stack;
let exposed: Set<string>;
let scraped: Sample[];

/** Labels set by Prometheus, by the scrape config or chosen in a dashboard variable: not the services'. */
const SCRAPE_LABELS = new Set(['job', 'instance', 'kubernetes_namespace', 'release', 'pod', 'node_id', 'service']);

beforeAll(async () => {
  stack = await startStack({ nodes: 1, webhooks: true });
  const scrape = async (url: string) => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };
  const [gateway, messages, webhooks] = await Promise.all([scrape(stack.nodes[0]!.url), scrape(stack.messages.url), scrape(stack.webhooks!.url)]);
  scraped = [...samples(gateway), ...samples(messages), ...samples(webhooks)];
  exposed = new Set(scraped.map((sample) => sample.name));
});

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const missing = (queries: { where: string; expr: string }[]) =>
  queries.flatMap(({ where, expr }) => [
    ...metricNames(expr)
      .filter((name) => !exposed.has(name) && !SCRAPE_SERIES.has(name))
      .map((name) => `${where}: ${name}`),
    ...requiredLabelValues(expr)
      .filter(({ metric, label }) => !SCRAPE_LABELS.has(label) && !SCRAPE_SERIES.has(metric))
      .filter(({ metric, label, value }) => !scraped.some((s) => s.name === metric && s.labels[label] === value))
      .map(({ metric, label, value }) => `${where}: ${metric}{${label}="${value}"}`),
  ]);

describe('metric names', () => {
  it('metrics - the running services export the metrics the docs list', () => {
    for (const name of [
      'switchboard_gateway_connections', 'switchboard_gateway_fanout_lag_seconds_bucket', 'switchboard_gateway_nats_consumer_pending',
      'http_request_duration_seconds_bucket', 'switchboard_outbox_backlog', 'switchboard_outbox_published_total',
      ...Object.values(WEBHOOK_METRICS).map((name) => (name === WEBHOOK_METRICS.attemptDuration ? `${name}_bucket` : name)),
    ]) expect(exposed.has(name), name).toBe(true);
  });

  it('metrics - every metric (and label value) in an alert expression has a sample in the first /metrics of a service', () => {
    const queries = loadAlertRules().map((rule) => ({ where: rule.alert, expr: rule.expr }));
    expect(queries.flatMap((q) => metricNames(q.expr)).length).toBeGreaterThan(10);
    expect(missing(queries)).toEqual([]);
  });

  it('metrics - every metric (and label value) in a dashboard query has a sample in the first /metrics of a service', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    expect(missing(queries)).toEqual([]);
  });
});
