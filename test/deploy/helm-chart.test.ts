import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALERTS_FILE } from './alert-rules.js';
import { DASHBOARDS_DIR } from './dashboards.js';
import { SOURCE_ANNOTATION, validateObjects, type K8sObject } from './k8s-models.js';
import { parseManifests, single } from './manifests.js';
import { ROUTE_SAMPLES, httpRouteRoute } from './routes.js';
import { PROMTOOL, kubeTools, repoPath, requireBinary, run, type KubeTools } from './tools.js';
import { componentProblems, ingressProblems, migrationJobProblems, podSpec } from './workload-checks.js';

const CHART = repoPath('deploy', 'helm', 'switchboard');
const HEARTBEAT_MS = 25_000 + 20_000;
/** The runbook base the chart's files/ link to; rendered, every link uses the values' base instead. */
const REPO_RUNBOOKS = 'https://github.com/switchboard/switchboard/blob/main/docs/runbooks';
/** What every install must set: the registry holding the images (they are not on Docker Hub). */
const REQUIRED = { image: { registry: 'registry.example.com' } };

/**
 * The chart's test value sets, ci/<name>-values.yaml (chart-testing's convention, which `ct lint` picks up): each a
 * complete values file for a way a platform team installs the chart.
 */
const CI = path.join(CHART, 'ci');
const CASES: Record<string, string> = Object.fromEntries(
  readdirSync(CI).filter((f) => f.endsWith('-values.yaml')).map((f) => [f.replace(/-values\.yaml$/, ''), path.join(CI, f)]),
);

let tools: KubeTools;
let work: string;
const rendered = new Map<string, K8sObject[]>();

async function helm(args: string[]) {
  return run(tools.helm, args);
}

/** A values file of REQUIRED overlaid with `values` (`raw`: `values` alone). */
function valuesFile(name: string, values: object, options: { raw?: boolean } = {}): string {
  const file = path.join(work, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, stringify(options.raw ? values : merge(REQUIRED, values)));
  return file;
}

function merge(base: object, over: object): object {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = value && below && typeof value === 'object' && typeof below === 'object' && !Array.isArray(value) ? merge(below, value) : value;
  }
  return out;
}

beforeAll(async () => {
  tools = await kubeTools();
  work = mkdtempSync(path.join(os.tmpdir(), 'switchboard-helm-'));
  await Promise.all(
    Object.entries(CASES).map(async ([name, file]) => {
      const result = await helm(['template', 'chat', CHART, '--namespace', 'switchboard', '-f', file]);
      if (result.code !== 0) throw new Error(`helm template (${name}) failed:\n${result.stderr}`);
      rendered.set(name, parseManifests(result.stdout));
    }),
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const objectsOf = (name: string) => rendered.get(name)!;

describe('helm chart', () => {
  it('helm chart - passes helm lint --strict with the default values and with every override', async () => {
    expect(Object.keys(CASES).sort()).toEqual(['defaults', 'everything', 'fixed-size', 'long-drain', 'shared-nats']);
    const results = await Promise.all(
      Object.entries(CASES).map(async ([name, file]) => ({ name, ...(await helm(['lint', '--strict', CHART, '-f', file])) })),
    );
    for (const result of results) expect(result.code, `${result.name}:\n${result.stdout}${result.stderr}`).toBe(0);
  });

  it('helm chart - every rendered object is valid against the Kubernetes and CRD schemas, with no unknown field', () => {
    const all = [...rendered].flatMap(([name, objects]) =>
      objects.map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [SOURCE_ANNOTATION]: `${name}: ` } } })),
    );
    expect(all.length).toBeGreaterThan(40);
    expect(validateObjects(all)).toEqual([]);
  });

  it('helm chart - gateway, messages and webhooks workloads: probes, drain timing, security, spread, config and secrets', () => {
    const expectations = {
      defaults: { secretName: 'switchboard', expectHpa: true, expectPdb: true },
      everything: { secretName: 'switchboard', expectHpa: true, expectPdb: true },
      'fixed-size': { secretName: 'chat-secrets', expectHpa: false, expectPdb: false },
      'long-drain': { secretName: 'switchboard', expectHpa: true, expectPdb: true },
      'shared-nats': { secretName: 'switchboard', expectHpa: true, expectPdb: true },
    };
    for (const [name, options] of Object.entries(expectations)) {
      const objects = objectsOf(name);
      expect(componentProblems(objects, 'gateway', options), name).toEqual([]);
      expect(componentProblems(objects, 'messages', options), name).toEqual([]);
      expect(componentProblems(objects, 'webhooks', options), name).toEqual([]);
    }
    const gateway = single(objectsOf('long-drain'), 'Deployment', '-gateway');
    expect(podSpec(gateway).terminationGracePeriodSeconds).toBe(10 + 61 + 10);
    expect(single(objectsOf('fixed-size'), 'Deployment', '-gateway').spec.replicas).toBe(4);
    expect(single(objectsOf('fixed-size'), 'Deployment', '-webhooks').spec.replicas).toBe(1);
    expect(objectsOf('fixed-size').filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind))).toEqual([]);
    expect(podSpec(single(objectsOf('fixed-size'), 'Deployment', '-gateway')).containers[0].image).toBe('registry.example.com/switchboard/gateway:1.2.3');
  });

  /** A component's environment ConfigMap (not its dashboards'). */
  const envOf = (objects: K8sObject[], component: string): Record<string, string> =>
    (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith(`switchboard-${component}`)) as { data?: Record<string, string> } | undefined)?.data ?? {};

  it('helm chart - the connection and authentication limits reach both services, on by default; TRUSTED_PROXY_HOPS follows the ingress', async () => {
    const gateway = envOf(objectsOf('defaults'), 'gateway');
    expect(gateway).toMatchObject({ AUTH_FAILURES_PER_IP_PER_MINUTE: '30', MAX_CONNECTIONS_PER_DEVICE: '10', CONNECTIONS_PER_IP_PER_10S: '0', TRUSTED_PROXY_HOPS: '0' });
    const messages = envOf(objectsOf('defaults'), 'messages');
    expect(messages).toMatchObject({ API_RATE_PER_SECOND: '20', API_RATE_PER_IP_PER_SECOND: '200', AUTH_FAILURES_PER_IP_PER_MINUTE: '30', TRUSTED_PROXY_HOPS: '0' });
    // Set explicitly (a load balancer in front of the ingress), and the values given.
    for (const component of ['gateway', 'messages']) {
      expect(envOf(objectsOf('everything'), component).TRUSTED_PROXY_HOPS, component).toBe('2');
    }
    expect(envOf(objectsOf('everything'), 'gateway').CONNECTIONS_PER_IP_PER_10S).toBe('50');
    expect(envOf(objectsOf('everything'), 'messages').API_RATE_PER_IP_PER_SECOND).toBe('400');
    // Unset behind the chart's own Ingress: one proxy.
    const behindIngress = await helm(['template', 'chat', CHART, '-f', valuesFile('ingress hops', { ingress: { enabled: true, hosts: ['chat.example.com'] } })]);
    expect(behindIngress.code, behindIngress.stderr).toBe(0);
    for (const component of ['gateway', 'messages']) {
      expect(envOf(parseManifests(behindIngress.stdout), component).TRUSTED_PROXY_HOPS, component).toBe('1');
    }
  });

  it('helm chart - NATS_PREFIX, a NATS creds file, PRESENCE_GRACE_MS and LOG_FORMAT reach every service', () => {
    for (const component of ['gateway', 'messages', 'webhooks']) {
      const defaults = single(objectsOf('defaults'), 'ConfigMap', `-${component}`);
      expect(defaults.data?.NATS_PREFIX, component).toBeUndefined();
      expect(defaults.data?.LOG_FORMAT, component).toBe('json');
      const shared = single(objectsOf('shared-nats'), 'ConfigMap', `-${component}`);
      expect(shared.data?.NATS_PREFIX, component).toBe('staging');
      const pod = podSpec(single(objectsOf('shared-nats'), 'Deployment', `-${component}`));
      const container = pod.containers[0];
      expect(container.env.find((e: { name: string }) => e.name === 'NATS_CREDS')?.value).toBe('/etc/switchboard/nats/staging.creds');
      expect(container.volumeMounts.find((m: { name: string }) => m.name === 'nats-creds')).toMatchObject({ mountPath: '/etc/switchboard/nats', readOnly: true });
      expect(pod.volumes.find((v: { name: string }) => v.name === 'nats-creds')?.secret).toMatchObject({ secretName: 'nats-staging' });
      const plain = podSpec(single(objectsOf('defaults'), 'Deployment', `-${component}`)).containers[0];
      expect(plain.env.find((e: { name: string }) => e.name === 'NATS_CREDS'), component).toBeUndefined();
    }
    expect(single(objectsOf('defaults'), 'ConfigMap', '-gateway').data?.PRESENCE_GRACE_MS).toBe('3000');
    expect(single(objectsOf('shared-nats'), 'ConfigMap', '-gateway').data?.PRESENCE_GRACE_MS).toBe('5000');
  });

  it('helm chart - migrations run in a pre-install/pre-upgrade hook Job with their own environment', () => {
    const objects = objectsOf('defaults');
    expect(migrationJobProblems(objects, 'switchboard')).toEqual([]);
    const job = single(objects, 'Job');
    expect(job.metadata.annotations?.['helm.sh/hook']?.split(',').sort()).toEqual(['pre-install', 'pre-upgrade']);
    expect(objectsOf('fixed-size').filter((o) => o.kind === 'Job')).toEqual([]);
  });

  it('helm chart - Ingress routes /v1/socket.io to the gateway with cookie affinity and long timeouts, /v1/apps/:app_id/webhooks… to webhooks, /v1 to messages', () => {
    expect(ingressProblems(objectsOf('everything'), { heartbeatMs: HEARTBEAT_MS, sticky: true, webhooks: true })).toEqual([]);
    expect(ingressProblems(objectsOf('long-drain'), { heartbeatMs: 30_000 + 20_000, sticky: true, webhooks: true })).toEqual([]);
    // 'long-drain' sets nothing about stickiness: cookie affinity is the default, and the guide says so and why.
    const guide = readFileSync(repoPath('docs', 'deploy.md'), 'utf8');
    expect(guide).toContain('Sticky cookies are **on by default**');
    expect(guide).toMatch(/on by default[^]*Why\s+on when WebSocket needs none/);
    expect(objectsOf('defaults').filter((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute')).toEqual([]);
  });

  it('helm chart - the HTTPRoute alternative sends /v1/socket.io to the gateway, /v1/apps/:app_id/webhooks… to webhooks and /v1 to messages', () => {
    const route = single(objectsOf('everything'), 'HTTPRoute');
    const targets = (route.spec.rules as any[]).map((rule) => [rule.matches[0].path.type, rule.matches[0].path.value, rule.backendRefs[0].name, rule.backendRefs[0].port]);
    expect(targets).toEqual([
      ['PathPrefix', '/v1/socket.io', 'chat-switchboard-gateway', 3000],
      ['RegularExpression', '^/v1/apps/[^/]+/webhooks(/.*)?$', 'chat-switchboard-webhooks', 3002],
      ['PathPrefix', '/v1', 'chat-switchboard-messages', 3001],
    ]);
    const routed = ROUTE_SAMPLES.map(([path]) => [path, httpRouteRoute(route, path)?.replace('chat-switchboard-', '') ?? null]);
    expect(routed).toEqual(ROUTE_SAMPLES.map(([path, service]) => [path, service]));
  });

  it('helm chart - the webhooks service: its workload, Service, HPA, PDB, NetworkPolicy, scrape, alerts and routes; webhooks.enabled false leaves every one out', async () => {
    const objects = objectsOf('everything');
    const config = single(objects, 'ConfigMap', 'switchboard-webhooks');
    expect(config.data).toMatchObject({ WEBHOOKS_PORT: '3002', REDIS_KEY_PREFIX: 'switchboard', WEBHOOKS_ALLOW_INSECURE: 'false', LOG_FORMAT: 'json' });
    expect(config.data?.WEBHOOKS_RETRY_SCHEDULE).toBeUndefined();
    const pod = podSpec(single(objects, 'Deployment', '-webhooks'));
    const env = pod.containers[0].env as { name: string; valueFrom?: any }[];
    expect(env.map((e) => e.name).sort()).toEqual(['DATABASE_URL', 'NATS_URL', 'NODE_ID', 'REDIS_URL']);
    expect(env.find((e) => e.name === 'NODE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(pod.containers[0].image).toBe('registry.example.com/switchboard/webhooks:0.1.0');
    expect(single(objects, 'Service', '-webhooks').spec.ports[0].port).toBe(3002);
    expect(single(objects, 'HorizontalPodAutoscaler', '-webhooks').spec.scaleTargetRef.name).toBe('chat-switchboard-webhooks');
    expect(single(objects, 'PodDisruptionBudget', '-webhooks').spec.maxUnavailable).toBe(1);
    // The operator token reaches it exactly when it reaches the messages service.
    const fixed = podSpec(single(objectsOf('fixed-size'), 'Deployment', '-webhooks')).containers[0].env as { name: string; valueFrom?: any }[];
    expect(fixed.find((e) => e.name === 'OPERATOR_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'chat-secrets', key: 'OPERATOR_TOKEN' });
    expect(single(objectsOf('shared-nats'), 'ConfigMap', '-webhooks').data?.NATS_PREFIX).toBe('staging');
    const schedule = await helm(['template', 'chat', CHART, '-f', valuesFile('webhooks schedule', { webhooks: { config: { retrySchedule: '200,400,800', allowInsecure: true } } })]);
    expect(schedule.code, schedule.stderr).toBe(0);
    expect(single(parseManifests(schedule.stdout), 'ConfigMap', 'switchboard-webhooks').data).toMatchObject({ WEBHOOKS_RETRY_SCHEDULE: '200,400,800', WEBHOOKS_ALLOW_INSECURE: 'true' });
    const badSchedule = await helm(['template', 'chat', CHART, '-f', valuesFile('webhooks bad schedule', { webhooks: { config: { retrySchedule: '5s,5m' } } })]);
    expect(badSchedule.code).not.toBe(0);
    expect(badSchedule.stderr).toMatch(/retrySchedule/);

    const off = await helm(['template', 'chat', CHART, '-f', CASES.everything!, '--set', 'webhooks.enabled=false']);
    expect(off.code, off.stderr).toBe(0);
    const without = parseManifests(off.stdout);
    expect(without.filter((o) => o.metadata.name.endsWith('switchboard-webhooks') || o.metadata.labels?.['app.kubernetes.io/component'] === 'webhooks').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(single(without, 'ServiceMonitor').spec.selector.matchExpressions[0].values).toEqual(['gateway', 'messages']);
    const groups = single(without, 'PrometheusRule').spec.groups.map((g: any) => g.name);
    expect(groups).not.toContain('switchboard-webhooks');
    expect(single(objects, 'PrometheusRule').spec.groups.map((g: any) => g.name)).toContain('switchboard-webhooks');
    expect(ingressProblems(without, { heartbeatMs: HEARTBEAT_MS, sticky: true, webhooks: false })).toEqual([]);
    expect((single(without, 'HTTPRoute').spec.rules as any[]).map((r) => r.matches[0].path.value)).toEqual(['/v1/socket.io', '/v1']);
    expect(single(without, 'Pod').spec.containers[0].args.join('\n')).not.toContain('webhooks');
    expect(without.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard).map((o) => o.metadata.name).sort()).toEqual([
      'chat-switchboard-dashboard-gateway',
      'chat-switchboard-dashboard-messages',
    ]);
  });

  it('helm chart - NetworkPolicies cover every component; allowExternal false admits only release pods, ingress and Prometheus', () => {
    const policies = objectsOf('everything').filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/component']).sort()).toEqual(['gateway', 'messages', 'webhooks']);
    for (const policy of policies) {
      const from = policy.spec.ingress[0].from as any[];
      expect(from[0].podSelector.matchLabels['app.kubernetes.io/instance']).toBe('chat');
      expect(from.map((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).filter(Boolean)).toEqual(['ingress-nginx', 'monitoring']);
    }
    for (const policy of objectsOf('defaults').filter((o) => o.kind === 'NetworkPolicy')) expect(policy.spec.ingress[0].from).toBeUndefined();
  });

  it('helm chart - ServiceMonitor scrapes every Service as the jobs the alerts name, keeping the services\' own labels', () => {
    const objects = objectsOf('everything');
    const monitor = single(objects, 'ServiceMonitor');
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    const services = objects.filter((o) => o.kind === 'Service');
    const selected = services.filter((s) =>
      Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v) &&
      monitor.spec.selector.matchExpressions[0].values.includes(s.metadata.labels?.['app.kubernetes.io/component']),
    );
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(['chat-switchboard-gateway', 'chat-switchboard-messages', 'chat-switchboard-webhooks']);
    const endpoint = monitor.spec.endpoints[0];
    expect(endpoint).toMatchObject({ port: 'http', path: '/metrics', honorLabels: true });
    const jobRelabel = endpoint.relabelings.find((r: any) => r.targetLabel === 'job');
    // The dashboards' namespace and release variables read these two target labels.
    expect(endpoint.relabelings).toEqual(expect.arrayContaining([
      { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'kubernetes_namespace' },
      { sourceLabels: ['__meta_kubernetes_service_label_app_kubernetes_io_instance'], targetLabel: 'release' },
    ]));
    const jobs = selected.map((s) => jobRelabel.replacement.replace('$1', s.metadata.labels!['app.kubernetes.io/component']));
    const alerts = readFileSync(ALERTS_FILE, 'utf8');
    for (const job of jobs) expect(alerts).toContain(`job="${job}"`);
  });

  it('helm chart - PrometheusRule carries the alert rules (promtool-valid) with the runbook base URL of the values', async () => {
    const promtool = requireBinary(PROMTOOL, 'prometheus');
    const rule = single(objectsOf('everything'), 'PrometheusRule');
    const file = path.join(work, 'prometheusrule-groups.yml');
    writeFileSync(file, stringify({ groups: rule.spec.groups }));
    const result = await run(promtool, ['check', 'rules', file]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const source = parse(readFileSync(ALERTS_FILE, 'utf8'));
    const names = (groups: any[]) => groups.flatMap((g) => g.rules.map((r: any) => r.alert));
    expect(names(rule.spec.groups)).toEqual(names(source.groups));
    for (const r of rule.spec.groups.flatMap((g: any) => g.rules)) {
      expect(r.annotations.runbook_url).toMatch(/^https:\/\/runbooks\.example\.com\/switchboard\/[a-z-]+\.md$/);
    }
  });

  it('helm chart - dashboards are ConfigMaps for the Grafana sidecar holding the dashboards of files/dashboards', () => {
    const maps = objectsOf('everything').filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard);
    const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(maps).toHaveLength(files.length);
    for (const map of maps) {
      expect(map.metadata.labels?.grafana_dashboard).toBe('1');
      expect(map.metadata.namespace).toBe('monitoring');
      const [key, json] = Object.entries(map.data as Record<string, string>)[0]!;
      const file = key.replace(/^switchboard-/, '');
      const source = readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8').replaceAll(REPO_RUNBOOKS, 'https://runbooks.example.com/switchboard');
      expect(JSON.parse(json)).toEqual(JSON.parse(source));
    }
  });

  it('helm chart - helm test pod checks readiness of every service', () => {
    const pod = single(objectsOf('defaults'), 'Pod');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const script = pod.spec.containers[0].args.join('\n');
    expect(script).toContain('http://chat-switchboard-gateway:3000/readyz');
    expect(script).toContain('http://chat-switchboard-messages:3001/readyz');
    expect(script).toContain('http://chat-switchboard-webhooks:3002/readyz');
  });

  it('helm chart - every runbook link, in the alerts and the dashboards, comes from metrics.runbookBaseUrl (or the deprecated prometheusRule key)', async () => {
    const links = (objects: K8sObject[]) => {
      const rules = single(objects, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.annotations.runbook_url as string));
      const dashboards = objects
        .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard)
        .map((map) => JSON.parse(Object.values(map.data as Record<string, string>)[0]!))
        .flatMap((d: any) => [...d.links, ...d.panels.flatMap((p: any) => p.links ?? [])].map((l: any) => l.url as string));
      return { rules, dashboards };
    };
    const everything = links(objectsOf('everything'));
    expect(everything.rules.length).toBeGreaterThan(10);
    expect(everything.dashboards.length).toBeGreaterThan(10);
    for (const url of [...everything.rules, ...everything.dashboards]) expect(url).toMatch(/^https:\/\/runbooks\.example\.com\/switchboard\/[A-Za-z0-9-]+\.md$/);
    expect(JSON.stringify(objectsOf('everything'))).not.toContain(REPO_RUNBOOKS);

    const monitoring = { metrics: { prometheusRule: { enabled: true }, dashboards: { enabled: true } } };
    const deprecated = await helm(['template', 'chat', CHART, '-f', valuesFile('deprecated runbooks', merge(monitoring, { metrics: { prometheusRule: { runbookBaseUrl: 'https://old.example.com/rb' } } }))]);
    expect(deprecated.code, deprecated.stderr).toBe(0);
    const old = links(parseManifests(deprecated.stdout));
    for (const url of [...old.rules, ...old.dashboards]) expect(url).toMatch(/^https:\/\/old\.example\.com\/rb\/[A-Za-z0-9-]+\.md$/);

    const defaults = await helm(['template', 'chat', CHART, '-f', valuesFile('default runbooks', monitoring)]);
    for (const url of Object.values(links(parseManifests(defaults.stdout))).flat()) expect(url.startsWith(`${REPO_RUNBOOKS}/`), url).toBe(true);
  });

  it('helm chart - without image.registry nothing renders, and the schema error says the images are not on Docker Hub', async () => {
    for (const [name, values] of [['no registry', {}], ['empty registry', { image: { registry: '' } }]] as const) {
      const result = await helm(['template', 'chat', CHART, '-f', valuesFile(name, values, { raw: true })]);
      expect(result.code, `${name} was accepted`).not.toBe(0);
      expect(result.stderr).toContain('/image/registry');
      expect(result.stderr).toContain('image.registry is required: the Switchboard images are not on Docker Hub');
    }
    const lint = await helm(['lint', '--strict', CHART]);
    expect(lint.code, 'helm lint of the bare chart passes without a registry').not.toBe(0);
    const withRegistry = await helm(['template', 'chat', CHART, '--set', 'image.registry=ghcr.io/acme']);
    expect(withRegistry.code, withRegistry.stderr).toBe(0);
    expect(withRegistry.stdout).toContain('image: ghcr.io/acme/switchboard/gateway:');
    expect(withRegistry.stdout).not.toMatch(/image: "?switchboard\//);
  });

  it('helm chart - bad values are refused by the schema or the templates', async () => {
    const bad: [string, object, RegExp][] = [
      ['negative drain window', { gateway: { config: { drainWindowMs: -1 } } }, /drainWindowMs/],
      ['no existing Secret', { secrets: { existingSecret: '' } }, /existingSecret/],
      ['misspelt key', { gateway: { replicas: 3 } }, /replicas/],
      ['unknown log level', { logLevel: 'verbose' }, /logLevel/],
      ['string where a number goes', { gateway: { pdb: { maxUnavailable: 'one' } } }, /maxUnavailable/],
      ['socket timeout below the heartbeat', { ingress: { enabled: true, websocketTimeoutSeconds: 40 } }, /websocketTimeoutSeconds/],
    ];
    const results = await Promise.all(
      bad.map(async ([name, values, pattern]) => ({ name, pattern, ...(await helm(['template', 'chat', CHART, '-f', valuesFile(`bad ${name}`, values)])) })),
    );
    for (const result of results) {
      expect(result.code, `${result.name} was accepted`).not.toBe(0);
      expect(result.stderr, result.name).toMatch(result.pattern);
    }
    const lint = await helm(['lint', '--strict', CHART, '-f', valuesFile('bad lint', { gateway: { replicas: 3 } })]);
    expect(lint.code).not.toBe(0);
  });
});
