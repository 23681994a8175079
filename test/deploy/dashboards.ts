import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from './tools.js';

/** The only copy of the dashboards: the Helm chart's (docker compose mounts it into Grafana). */
export const DASHBOARDS_DIR = repoPath('deploy', 'helm', 'switchboard', 'files', 'dashboards');

export const dashboardFiles = () =>
  readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).map((name) => ({ name, path: path.join(DASHBOARDS_DIR, name) }));

export const loadDashboard = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Every PromQL query of every dashboard: panel targets (rows' nested panels too) and query variables. */
export function dashboardQueries(): { where: string; expr: string }[] {
  const queries: { where: string; expr: string }[] = [];
  for (const { name, path: file } of dashboardFiles()) {
    const dashboard = loadDashboard(file);
    const panels = dashboard.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]);
    for (const panel of panels) {
      for (const target of panel.targets ?? []) queries.push({ where: `${name} / ${panel.title}`, expr: target.expr });
    }
    for (const variable of dashboard.templating.list.filter((v: any) => v.type === 'query')) {
      const expr = typeof variable.query === 'string' ? variable.query : variable.query.query;
      queries.push({ where: `${name} / variable ${variable.name}`, expr });
    }
  }
  return queries;
}
