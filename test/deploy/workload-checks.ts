import { ConfigError } from '@switchboard/config';
import { GatewayEnv, loadGatewayConfig } from '../../services/gateway/src/config.js';
import { MessagesEnv, loadMessagesConfig } from '../../services/messages/src/config.js';
import { WebhooksEnv, loadWebhooksConfig } from '../../services/webhooks/src/config.js';
import type { K8sObject } from './k8s-models.js';
import { ROUTE_SAMPLES, ingressRoute } from './routes.js';

/**
 * What the Helm chart and the kustomize manifests must both get right about the workloads, beyond schemas:
 * probes, drain timing, security context, spread, secrets, routing. Each function returns its problems (empty
 * when fine) so a test shows all of them at once.
 */

type Component = 'gateway' | 'messages' | 'webhooks';

/** Plausible values for what the pods read from the Secret, to run the services' own config parsers. */
const SECRET_SAMPLES: Record<string, string> = {
  DATABASE_URL: 'postgres://switchboard:secret@postgres:5432/switchboard',
  REDIS_URL: 'redis://redis:6379',
  NATS_URL: 'nats://nats:4222',
  INTERNAL_TOKEN: 'internal-token-of-at-least-16-chars',
  OPERATOR_TOKEN: 'operator-token-of-at-least-16-chars',
};

const ENV_SCHEMAS = { gateway: GatewayEnv, messages: MessagesEnv, webhooks: WebhooksEnv } as const;
const LOADERS = { gateway: loadGatewayConfig, messages: loadMessagesConfig, webhooks: loadWebhooksConfig } as const;

export const podSpec = (workload: K8sObject) => workload.spec.template.spec;
const container = (workload: K8sObject, name: string) =>
  (podSpec(workload).containers as any[]).find((c) => c.name === name);

/** The environment a container would see: its ConfigMaps (envFrom), literal values, fieldRefs and Secret keys. */
export function containerEnv(
  objects: readonly K8sObject[],
  c: any,
  secretName: string,
): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of c.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!configMap) problems.push(`envFrom names ConfigMap ${name}, which is not rendered`);
    else Object.assign(env, configMap.data);
  }
  for (const variable of c.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) env[variable.name] = String(variable.value);
    else if (variable.valueFrom?.fieldRef) env[variable.name] = 'switchboard-gateway-7d9f8-abcde';
    else if (ref) {
      if (ref.name !== secretName) problems.push(`${variable.name} comes from Secret ${ref.name}, not ${secretName}`);
      env[variable.name] = SECRET_SAMPLES[ref.key] ?? SECRET_SAMPLES[variable.name] ?? 'x'.repeat(32);
    }
  }
  return { env, problems };
}

/** The container's environment is accepted by the service's own config parser, and names no unknown variable. */
function envProblems(objects: readonly K8sObject[], workload: K8sObject, component: Component, secretName: string): string[] {
  const { env, problems } = containerEnv(objects, container(workload, component), secretName);
  const known = new Set(Object.keys(ENV_SCHEMAS[component].shape));
  for (const name of Object.keys(env)) if (!known.has(name)) problems.push(`${name} is not a ${component} variable`);
  try {
    LOADERS[component](env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => `config: ${p}`));
  }
  return problems;
}

function securityProblems(workload: K8sObject, containerName: string): string[] {
  const problems: string[] = [];
  const pod = podSpec(workload).securityContext ?? {};
  const c = container(workload, containerName)?.securityContext ?? {};
  if (pod.runAsNonRoot !== true && c.runAsNonRoot !== true) problems.push('runAsNonRoot is not true');
  if (c.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  if (c.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (!c.capabilities?.drop?.includes('ALL')) problems.push('capabilities do not drop ALL');
  if (podSpec(workload).automountServiceAccountToken !== false) problems.push('the service account token is mounted');
  return problems;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Deployment, Service, PDB and HPA of one component. */
export function componentProblems(
  objects: readonly K8sObject[],
  component: Component,
  options: { secretName: string; expectHpa: boolean; expectPdb: boolean },
): string[] {
  const problems: string[] = [];
  const note = (list: string[], prefix: string) => problems.push(...list.map((p) => `${component} ${prefix}: ${p}`));
  const deployments = objects.filter((o) => o.kind === 'Deployment' && container(o, component));
  if (deployments.length !== 1) return [`${component}: expected one Deployment with a "${component}" container, found ${deployments.length}`];
  const workload = deployments[0]!;
  const c = container(workload, component);
  const podLabels = workload.spec.template.metadata.labels;

  const local: string[] = [];
  if (c.readinessProbe?.httpGet?.path !== '/readyz') local.push('readinessProbe is not GET /readyz');
  if (c.livenessProbe?.httpGet?.path !== '/healthz') local.push('livenessProbe is not GET /healthz');
  if (!c.ports?.some((p: any) => p.name === 'http')) local.push('no port named http');
  if (c.command?.some((part: string) => /\bnpm\b/.test(part))) local.push('runs through npm, which does not pass SIGTERM on');
  const preStop = c.lifecycle?.preStop?.exec?.command as string[] | undefined;
  if (!preStop || preStop[0] !== 'sleep' || !(Number(preStop[1]) > 0)) local.push('preStop is not a sleep');
  if (!(podSpec(workload).topologySpreadConstraints?.length > 0)) local.push('no topologySpreadConstraints');
  if (!matches(workload.spec.selector.matchLabels, podLabels)) local.push('selector does not match the pod labels');
  local.push(...securityProblems(workload, component));
  local.push(...envProblems(objects, workload, component, options.secretName));
  if (component === 'gateway') {
    const { env } = containerEnv(objects, c, options.secretName);
    const drainSeconds = Math.ceil(Number(env.DRAIN_WINDOW_MS ?? 20_000) / 1000);
    const needed = Number(preStop?.[1] ?? 0) + drainSeconds;
    const grace = podSpec(workload).terminationGracePeriodSeconds;
    if (!(grace > needed)) local.push(`terminationGracePeriodSeconds ${grace} does not cover preStop + drain window (${needed} s) plus a margin`);
  }
  note(local, `Deployment ${workload.metadata.name}`);

  const services = objects.filter((o) => o.kind === 'Service' && matches(o.spec.selector, podLabels));
  if (services.length !== 1) problems.push(`${component}: expected one Service selecting its pods, found ${services.length}`);
  else if (services[0]!.spec.ports?.[0]?.targetPort !== 'http') problems.push(`${component}: Service does not target the http port`);

  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec.selector?.matchLabels, podLabels));
  if (options.expectPdb) {
    if (pdbs.length !== 1) problems.push(`${component}: expected one PodDisruptionBudget, found ${pdbs.length}`);
    else if (component === 'gateway' && pdbs[0]!.spec.maxUnavailable !== 1) problems.push('gateway: PDB maxUnavailable is not 1');
  } else if (pdbs.length) problems.push(`${component}: a PodDisruptionBudget is rendered although disabled`);

  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef?.name === workload.metadata.name);
  if (options.expectHpa !== (hpas.length === 1)) problems.push(`${component}: expected ${options.expectHpa ? 'one' : 'no'} HPA, found ${hpas.length}`);
  if (options.expectHpa === (workload.spec.replicas !== undefined)) {
    problems.push(`${component}: replicas must be set exactly when there is no HPA`);
  }
  return problems;
}

/** The migration Job: the messages image's migrate CLI, DATABASE_URL from the Secret, no chart ConfigMap. */
export function migrationJobProblems(objects: readonly K8sObject[], secretName: string): string[] {
  const jobs = objects.filter((o) => o.kind === 'Job');
  if (jobs.length !== 1) return [`expected one migration Job, found ${jobs.length}`];
  const job = jobs[0]!;
  const c = podSpec(job).containers[0];
  const problems: string[] = [];
  if (c.command?.join(' ') !== 'node services/messages/dist/cli/migrate.js') problems.push(`Job runs ${c.command?.join(' ')}`);
  if (c.envFrom?.length) problems.push('Job reads a ConfigMap, which a pre-install hook cannot rely on');
  const { env, problems: envIssues } = containerEnv(objects, c, secretName);
  problems.push(...envIssues);
  if (!env.DATABASE_URL) problems.push('Job has no DATABASE_URL');
  if (podSpec(job).restartPolicy !== 'Never') problems.push('Job restartPolicy is not Never');
  problems.push(...securityProblems(job, c.name));
  return problems;
}

/**
 * Public routing through Ingress objects (ingress-nginx): /v1/socket.io → gateway with long timeouts and affinity,
 * /v1/apps/:app_id/webhooks… → webhooks (a regex path; without the webhooks service, messages answers it), the rest
 * of /v1 → messages: every path of the route table (routes.ts) reaches its service.
 */
export function ingressProblems(objects: readonly K8sObject[], options: { heartbeatMs: number; sticky: boolean; webhooks: boolean }): string[] {
  const problems: string[] = [];
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  const paths = ingresses.flatMap((ingress) =>
    (ingress.spec.rules as any[]).flatMap((rule) =>
      (rule.http.paths as any[]).map((p) => ({ ingress, path: p.path as string, service: p.backend.service.name as string })),
    ),
  );
  const socket = paths.filter((p) => p.path === '/v1/socket.io');
  const rest = paths.filter((p) => p.path === '/v1');
  if (!socket.length || !socket.every((p) => p.service.endsWith('gateway'))) problems.push('/v1/socket.io does not go to the gateway Service');
  if (!rest.length || !rest.every((p) => p.service.endsWith('messages'))) problems.push('/v1 does not go to the messages Service');
  for (const p of paths) if (!p.path.startsWith('/v1')) problems.push(`${p.path} is routed from outside`);
  for (const { ingress } of socket) {
    const a = ingress.metadata.annotations ?? {};
    for (const key of ['proxy-read-timeout', 'proxy-send-timeout']) {
      const seconds = Number(a[`nginx.ingress.kubernetes.io/${key}`]);
      if (!(seconds * 1000 > options.heartbeatMs)) problems.push(`${key} ${seconds} s is not above the heartbeat (${options.heartbeatMs} ms)`);
    }
    if (options.sticky && a['nginx.ingress.kubernetes.io/affinity'] !== 'cookie') problems.push('no cookie affinity on /v1/socket.io');
  }
  const webhooks = paths.filter((p) => p.service.endsWith('webhooks'));
  if (options.webhooks !== webhooks.length > 0) problems.push(`expected ${options.webhooks ? 'a' : 'no'} webhooks route, found ${webhooks.length}`);
  for (const { ingress, path } of webhooks) {
    if (ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/use-regex'] !== 'true') problems.push(`${path}: the webhooks Ingress does not set use-regex`);
    const pathType = (ingress.spec.rules as any[]).flatMap((r) => r.http.paths).find((p: any) => p.path === path)?.pathType;
    if (pathType !== 'ImplementationSpecific') problems.push(`${path}: a regex path must be ImplementationSpecific, not ${pathType}`);
  }
  for (const [path, service] of ROUTE_SAMPLES) {
    const expected = service === 'webhooks' && !options.webhooks ? 'messages' : service;
    const got = ingressRoute(objects, path);
    if ((got ? got.slice(got.lastIndexOf('-') + 1) : null) !== expected) problems.push(`${path} goes to ${got ?? 'nothing'}, not ${expected ?? 'nothing'}`);
  }
  return problems;
}
