import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConsoleServerConfig } from '../../services/console/server/config.js';
import { validateObjects, type K8sObject } from './k8s-models.js';
import { parseManifests, single } from './manifests.js';
import { kubeTools, repoPath, run, type KubeTools } from './tools.js';

const CHART = repoPath('deploy', 'helm', 'switchboard');
const REQUIRED = { image: { registry: 'registry.example.com' } };
const CONSOLE_PORT = 3003;

/**
 * The agent console's deployment (docs/console.md): its image, the compose service behind nginx's /console/, and
 * the chart's optional Deployment (`console.enabled`, off by default) with its routes beside the API's.
 */
describe('console deploy', () => {
  let tools: KubeTools;
  let work: string;
  const template = async (name: string, values: object): Promise<K8sObject[]> => {
    const file = path.join(work, `${name}.yaml`);
    writeFileSync(file, stringify({ ...REQUIRED, ...values }));
    const result = await run(tools.helm, ['template', 'chat', CHART, '--namespace', 'switchboard', '-f', file]);
    if (result.code !== 0) throw new Error(`helm template (${name}) failed:\n${result.stderr}`);
    return parseManifests(result.stdout);
  };
  const consoleObjects = (objects: readonly K8sObject[]) => objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'console');

  beforeAll(async () => {
    tools = await kubeTools();
    work = mkdtempSync(path.join(os.tmpdir(), 'switchboard-console-helm-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('console deploy - the chart renders no console unless console.enabled', async () => {
    expect(consoleObjects(await template('default', { ingress: { enabled: true } }))).toEqual([]);
  });

  it('console deploy - console.enabled: a valid Deployment and Service, routed at /console on the API hosts', async () => {
    const objects = await template('enabled', {
      console: { enabled: true, apiUrl: 'https://api.example.com', gatewayUrl: 'https://ws.example.com' },
      ingress: { enabled: true, hosts: ['chat.example.com'] },
      httpRoute: { enabled: true, parentRefs: [{ name: 'public' }], hostnames: ['chat.example.com'] },
    });
    const mine = consoleObjects(objects);
    expect(mine.map((o) => o.kind).sort()).toEqual(['Deployment', 'HTTPRoute', 'Ingress', 'Service']);
    expect(validateObjects(mine)).toEqual([]);

    const deployment = single(mine, 'Deployment', '-console');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toMatch(/^registry\.example\.com\/switchboard\/console:/);
    const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ CONSOLE_PORT: String(CONSOLE_PORT), CONSOLE_API_URL: 'https://api.example.com', CONSOLE_GATEWAY_URL: 'https://ws.example.com' });
    // What the pod gets is what the server accepts.
    expect(() => loadConsoleServerConfig(env)).not.toThrow();
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.envFrom).toBeUndefined();

    const service = single(mine, 'Service', '-console');
    expect(service.spec.ports[0].port).toBe(CONSOLE_PORT);
    const ingress = single(mine, 'Ingress', '-console');
    const ingressPath = ingress.spec.rules[0].http.paths[0];
    expect([ingress.spec.rules[0].host, ingressPath.path, ingressPath.backend.service.name]).toEqual(['chat.example.com', '/console', service.metadata.name]);
    const route = single(mine, 'HTTPRoute', '-console');
    expect(route.spec.rules[0].matches[0].path).toEqual({ type: 'PathPrefix', value: '/console' });
    expect(route.spec.rules[0].backendRefs[0]).toEqual({ name: service.metadata.name, port: CONSOLE_PORT });
  });

  it('console deploy - a URL that is not http(s) is refused by the schema', async () => {
    await expect(template('bad', { console: { enabled: true, apiUrl: 'ftp://x' } })).rejects.toThrow(/apiUrl/);
  });

  it('console deploy - compose serves the console behind nginx at /console/ on the API origin', () => {
    const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true });
    const service = compose.services.console;
    expect(service.build.dockerfile).toBe('services/console/Dockerfile');
    expect(() => loadConsoleServerConfig(service.environment ?? {})).not.toThrow();
    expect(compose.services.nginx.depends_on).toContain('console');
    const nginx = readFileSync(repoPath('deploy', 'nginx', 'switchboard.conf'), 'utf8');
    expect(nginx).toMatch(/upstream switchboard_console \{\s*server console:3003;/);
    expect(nginx).toMatch(/location \/console\/ \{\s*proxy_pass http:\/\/switchboard_console;/);
    expect(nginx).toMatch(/location = \/console \{\s*return 301 \/console\/;/);
  });

  it('console deploy - the image builds the pages and serves them with the static server, as uid 1000', () => {
    const dockerfile = readFileSync(repoPath('services', 'console', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm run build --workspace=@switchboard\/console/);
    expect(dockerfile).toMatch(/npm ci --omit=dev .*-w @switchboard\/console/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "services\/console\/dist-server\/main\.js"\]$/m);
    // Every workspace's package.json, in both stages, as npm ci needs them all (like the services' images).
    const workspaces = ['libs', 'services'].flatMap((dir) => readdirSync(repoPath(dir)).map((name) => `${dir}/${name}`));
    for (const workspace of workspaces) {
      expect(dockerfile.match(new RegExp(`^COPY ${workspace}/package\\.json ${workspace}/$`, 'gm')), workspace).toHaveLength(2);
    }
  });
});
