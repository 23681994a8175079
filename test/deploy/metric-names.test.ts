import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayStack, type GatewayStack } from '../../services/gateway/test/harness.js';
import { loadAlertRules } from './alert-rules.js';
import { dashboardQueries } from './dashboards.js';
import { SCRAPE_SERIES, exposedSeriesNames, metricNames } from './promql.js';

/**
 * Alerts and dashboards must query what the services really export. A gateway and a messages service run here
 * (the gateway tests' harness: test database, private nats-server, shared Redis) and their /metrics are compared
 * with every metric name in the alert expressions and dashboard queries.
 */
let stack: GatewayStack;
let exposed: Set<string>;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 1 });
  const scrape = async (url: string) => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };
  const [gateway, messages] = await Promise.all([scrape(stack.nodes[0]!.url), scrape(stack.messages.url)]);
  exposed = new Set([...exposedSeriesNames(gateway), ...exposedSeriesNames(messages)]);
});

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const missing = (queries: { where: string; expr: string }[]) =>
  queries.flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((name) => !exposed.has(name) && !SCRAPE_SERIES.has(name))
      .map((name) => `${where}: ${name}`),
  );

describe('metric names', () => {
  it('metrics - the running services export the metrics the docs list', () => {
    for (const name of [
      'switchboard_gateway_connections', 'switchboard_gateway_fanout_lag_seconds_bucket', 'switchboard_gateway_nats_consumer_pending',
      'http_request_duration_seconds_bucket', 'switchboard_outbox_backlog', 'switchboard_outbox_published_total',
    ]) expect(exposed.has(name), name).toBe(true);
  });

  it('metrics - every metric in an alert expression exists in /metrics of the gateway or the messages service', () => {
    const queries = loadAlertRules().map((rule) => ({ where: rule.alert, expr: rule.expr }));
    expect(queries.flatMap((q) => metricNames(q.expr)).length).toBeGreaterThan(10);
    expect(missing(queries)).toEqual([]);
  });

  it('metrics - every metric in a dashboard query exists in /metrics of the gateway or the messages service', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    expect(missing(queries)).toEqual([]);
  });
});
