import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERTS_FILE, loadAlertRules } from './alert-rules.js';
import { PROMTOOL, repoPath, requireBinary, run } from './tools.js';

describe('prometheus rules', () => {
  it('prometheus - promtool check rules accepts the alert rules', async () => {
    const result = await run(requireBinary(PROMTOOL, 'prometheus'), ['check', 'rules', ALERTS_FILE]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('prometheus - the rule unit tests pass: each alert fires on the series it is meant for', async () => {
    const result = await run(requireBinary(PROMTOOL, 'prometheus'), ['test', 'rules', 'alerts.test.yml'], { cwd: repoPath('deploy', 'prometheus') });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const tested = readFileSync(repoPath('deploy', 'prometheus', 'alerts.test.yml'), 'utf8');
    for (const rule of loadAlertRules()) expect(tested, `${rule.alert} has no promtool test`).toContain(`alertname: ${rule.alert}`);
  });

  it('prometheus - the compose scrape config is valid and loads the rules', async () => {
    const result = await run(requireBinary(PROMTOOL, 'prometheus'), ['check', 'config', repoPath('deploy', 'prometheus', 'prometheus.yml')]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('prometheus - every alert has a severity, summary, description and a runbook in docs/runbooks', () => {
    const rules = loadAlertRules();
    expect(rules.length).toBeGreaterThan(5);
    const runbooks = new Set(readdirSync(repoPath('docs', 'runbooks')).filter((f) => f.endsWith('.md') && f !== 'README.md'));
    const deployDoc = readFileSync(repoPath('docs', 'deploy.md'), 'utf8');
    for (const rule of rules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const file = rule.annotations?.runbook_url?.match(/\/docs\/runbooks\/([a-z0-9-]+\.md)$/)?.[1];
      expect(file, `${rule.alert}: runbook_url ${rule.annotations?.runbook_url}`).toBeTruthy();
      expect(existsSync(repoPath('docs', 'runbooks', file!)), `docs/runbooks/${file} is missing`).toBe(true);
      expect(readFileSync(repoPath('docs', 'runbooks', file!), 'utf8'), file).toContain(`# ${rule.alert}`);
      expect(deployDoc, `docs/deploy.md does not explain ${rule.alert}`).toContain(rule.alert);
      runbooks.delete(file!);
    }
    expect([...runbooks], 'runbooks without an alert').toEqual([]);
  });
});
