import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoPath } from './tools.js';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The only copy of the alert rules: the Helm chart's (docker compose mounts it into Prometheus). */
export const ALERTS_FILE = repoPath('deploy', 'helm', 'switchboard', 'files', 'alerts.yml');

/** Every alerting rule of ALERTS_FILE. */
export function loadAlertRules(): AlertRule[] {
  const document = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return document.groups.flatMap((group) => group.rules.filter((rule) => rule.alert));
}
