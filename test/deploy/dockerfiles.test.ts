import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './tools.js';

const SERVICES = ['gateway', 'messages', 'webhooks'] as const;
const dockerfile = (service: string) => readFileSync(repoPath('services', service, 'Dockerfile'), 'utf8');
/** Instructions with their line continuations joined. */
const instructions = (text: string) =>
  text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

describe('dockerfiles', () => {
  it.each(SERVICES)('dockerfile %s - multi-stage on Node 20 bookworm, npm ci --omit=dev, non-root, healthcheck, exec-form CMD', (service) => {
    const lines = instructions(dockerfile(service));
    const from = lines.filter((l) => l.startsWith('FROM '));
    expect(from.length).toBeGreaterThanOrEqual(2);
    expect(lines.find((l) => l.startsWith('ARG NODE_IMAGE='))).toMatch(/^ARG NODE_IMAGE=node:20-bookworm(-slim)?$/);
    expect(lines.some((l) => l.startsWith('RUN') && l.includes('npm ci --omit=dev') && l.includes(`-w @switchboard/${service}`))).toBe(true);
    const runtime = lines.slice(lines.lastIndexOf(from.at(-1)!));
    expect(runtime.filter((l) => l.startsWith('USER ')).at(-1)).toBe('USER node');
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/CMD \["node", "-e", .*\/readyz/);
    const cmd = runtime.filter((l) => l.startsWith('CMD ')).at(-1)!;
    expect(JSON.parse(cmd.slice(4))).toEqual(['node', `services/${service}/dist/main.js`]);
    expect(runtime.some((l) => l.startsWith('ENTRYPOINT'))).toBe(false);
  });

  it.each(SERVICES)('dockerfile %s - copies the package.json of every workspace before npm ci', (service) => {
    const text = dockerfile(service);
    const workspaces = ['libs', 'services'].flatMap((dir) => readdirSync(repoPath(dir)).map((name) => `${dir}/${name}`));
    for (const workspace of workspaces) {
      expect(text.match(new RegExp(`^COPY ${workspace}/package\\.json ${workspace}/$`, 'gm')), `${workspace}/package.json`).toHaveLength(2);
    }
  });

  it('dockerfiles - .dockerignore keeps node_modules, build output and local state out of the context', () => {
    const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.git', '.tools', '.data', '.env']) expect(ignored).toContain(entry);
  });
});
