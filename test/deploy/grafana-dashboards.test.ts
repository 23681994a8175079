import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboardFiles, dashboardQueries, loadDashboard } from './dashboards.js';
import { metricNames } from './promql.js';
import { WEBHOOK_METRICS } from '../../services/webhooks/src/delivery/delivery-engine.js';
import { repoPath } from './tools.js';

describe('grafana dashboards', () => {
  it('grafana - every dashboard has a ${datasource} variable and every panel and query uses it', () => {
    expect(dashboardFiles().map((f) => f.name).sort()).toEqual(['gateway.json', 'messages.json', 'webhooks.json']);
    for (const { name, path } of dashboardFiles()) {
      const dashboard = loadDashboard(path);
      const variable = dashboard.templating.list.find((v: any) => v.name === 'datasource');
      expect(variable, name).toMatchObject({ type: 'datasource', query: 'prometheus' });
      expect(dashboard.uid, name).toMatch(/^switchboard-/);
      const panels = dashboard.panels.filter((p: any) => p.type !== 'row');
      expect(new Set(dashboard.panels.map((p: any) => p.id)).size, `${name}: panel ids are not unique`).toBe(dashboard.panels.length);
      for (const panel of panels) {
        expect(panel.datasource?.uid, `${name} / ${panel.title}`).toBe('${datasource}');
        expect(panel.targets?.length, `${name} / ${panel.title} has no query`).toBeGreaterThan(0);
        for (const target of panel.targets) expect(target.datasource?.uid, `${name} / ${panel.title}`).toBe('${datasource}');
        expect(panel.description, `${name} / ${panel.title} has no description`).toBeTruthy();
      }
      for (const variable of dashboard.templating.list.filter((v: any) => v.type === 'query')) {
        expect(variable.datasource?.uid, `${name} variable ${variable.name}`).toBe('${datasource}');
      }
    }
  });

  it('grafana - every dashboard has namespace and release variables (All by default) and every query is scoped by them', () => {
    for (const { name, path } of dashboardFiles()) {
      const dashboard = loadDashboard(path);
      const variables = dashboard.templating.list;
      for (const [variable, label] of [['namespace', 'kubernetes_namespace'], ['release', 'release']] as const) {
        const found = variables.find((v: any) => v.name === variable);
        expect(found, `${name}: no ${variable} variable`).toMatchObject({ type: 'query', includeAll: true, allValue: '.*', multi: true });
        const query = typeof found.query === 'string' ? found.query : found.query.query;
        expect(query, `${name} / ${variable}`).toMatch(new RegExp(`^label_values\\(.*, ${label}\\)$`));
      }
      // Each selector of a metric (panels and the other variables) carries both matchers, so a dashboard shows one
      // release of one namespace when they are chosen; with All (.*) it also matches series without the labels.
      const queries = dashboardQueries().filter((q) => q.where.startsWith(`${name} /`) && !/variable (namespace|release)$/.test(q.where));
      expect(queries.length).toBeGreaterThan(5);
      for (const { where, expr } of queries) {
        const selectors = [...expr.matchAll(/\b([a-z_:][\w:]*)(\{[^}]*\})?(?=\s*[[),]|\s*$|\s*\[)/g)].filter(([, metric]) => metricNames(expr).includes(metric!));
        expect(selectors.length, `${where}: ${expr}`).toBeGreaterThan(0);
        for (const [selector] of selectors) {
          expect(selector, `${where}: ${expr}`).toContain('kubernetes_namespace=~"$namespace"');
          expect(selector, `${where}: ${expr}`).toContain('release=~"$release"');
        }
      }
    }
  });

  it('grafana - dashboards and their runbook links: one to the runbooks, and one on each panel an alert watches', () => {
    for (const { name, path } of dashboardFiles()) {
      const dashboard = loadDashboard(path);
      expect(dashboard.links.map((l: any) => l.url), name).toContain('https://github.com/switchboard/switchboard/blob/main/docs/runbooks/README.md');
      for (const panel of dashboard.panels) {
        for (const link of panel.links ?? []) {
          const file = link.url.replace('https://github.com/switchboard/switchboard/blob/main/docs/runbooks/', '');
          expect(readdirSync(repoPath('docs', 'runbooks')), `${name} / ${panel.title}: ${link.url}`).toContain(file);
        }
      }
    }
  });

  it('grafana - the issue\'s panels are there: connections, presence, fan-out lag, events, slow consumers, drain, requests, outbox, NATS', () => {
    const queries = dashboardQueries().map((q) => q.expr).join('\n');
    for (const metric of [
      'switchboard_gateway_connections', 'switchboard_gateway_connects_total', 'switchboard_gateway_disconnects_total',
      'switchboard_gateway_presence_changes_total', 'switchboard_gateway_fanout_lag_seconds_bucket',
      'switchboard_gateway_events_in_total', 'switchboard_gateway_slow_consumer_disconnects_total', 'switchboard_gateway_draining',
      'http_request_duration_seconds_count', 'http_request_duration_seconds_bucket', 'switchboard_outbox_backlog',
      'switchboard_outbox_published_total', 'switchboard_gateway_nats_consumer_pending',
    ]) expect(queries, metric).toContain(metric);
  });

  it('grafana - the webhooks dashboard reads every metric the delivery engine exports, and links the webhooks runbooks', () => {
    const queries = dashboardQueries().filter((q) => q.where.startsWith('webhooks.json /')).map((q) => q.expr).join('\n');
    for (const name of Object.values(WEBHOOK_METRICS)) {
      const series = name === WEBHOOK_METRICS.attemptDuration ? `${name}_bucket` : name;
      expect(queries, name).toContain(series);
    }
    const links = loadDashboard(dashboardFiles().find((f) => f.name === 'webhooks.json')!.path).panels.flatMap((p: any) => (p.links ?? []).map((l: any) => l.url));
    for (const runbook of ['webhooks-backlog-age.md', 'webhooks-failure-ratio.md', 'webhooks-endpoints-disabled.md']) {
      expect(links.some((url: string) => url.endsWith(`/${runbook}`)), runbook).toBe(true);
    }
  });

  it('grafana - every panel is explained in docs/deploy.md', () => {
    const doc = readFileSync(repoPath('docs', 'deploy.md'), 'utf8');
    for (const { name, path } of dashboardFiles()) {
      for (const panel of loadDashboard(path).panels.filter((p: any) => p.type !== 'row')) {
        expect(doc, `${name}: panel "${panel.title}" is not in docs/deploy.md`).toContain(panel.title);
      }
    }
  });

  it('grafana - provisioning points at the compose Prometheus and the mounted dashboards folder', () => {
    const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true });
    const datasources = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'));
    expect(datasources.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    const providers = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'dashboards', 'switchboard.yml'), 'utf8'));
    const folder = providers.providers[0].options.path;
    expect(compose.services.grafana.volumes).toContain(`./deploy/helm/switchboard/files/dashboards:${folder}:ro`);
    expect(readdirSync(repoPath('deploy', 'grafana', 'provisioning'))).toEqual(['dashboards', 'datasources']);
  });
});
