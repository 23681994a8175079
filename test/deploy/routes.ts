import type { K8sObject } from './k8s-models.js';

/**
 * The public route table (docs/deploy.md, "Routes"): which service a request path must reach. The webhooks
 * service serves `/v1/apps/:app_id/webhooks…`; every other `/v1/apps/:app_id/…` route (the app, identity keys,
 * credentials) stays the messages service's. `null`: not routed from outside.
 */
export const ROUTE_SAMPLES: readonly (readonly [path: string, service: 'gateway' | 'messages' | 'webhooks' | null])[] = [
  ['/v1/socket.io/?EIO=4&transport=websocket', 'gateway'],
  ['/v1/apps/app_1/webhooks', 'webhooks'],
  ['/v1/apps/app_1/webhooks/', 'webhooks'],
  ['/v1/apps/app_1/webhooks/wh_1', 'webhooks'],
  ['/v1/apps/app_1/webhooks/wh_1/deliveries?status=failed', 'webhooks'],
  ['/v1/apps/app_1/webhooks/wh_1/deliveries/dl_1/retry', 'webhooks'],
  ['/v1/apps', 'messages'],
  ['/v1/apps/app_1', 'messages'],
  ['/v1/apps/app_1/identity-keys', 'messages'],
  ['/v1/apps/app_1/credentials/rotate', 'messages'],
  ['/v1/apps/app_1/webhooksx', 'messages'],
  ['/v1/apps/webhooks', 'messages'],
  ['/v1/conversations/c_1/messages', 'messages'],
  ['/metrics', null],
  ['/internal/v1/auth', null],
  ['/readyz', null],
];

const pathOnly = (path: string) => path.replace(/\?.*$/, '');

/** ingress-nginx: with `use-regex` on any Ingress of a host, every path of the host is a case-insensitive regex anchored at the start, longest first. */
export function ingressRoute(objects: readonly K8sObject[], path: string): string | null {
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  const regex = ingresses.some((i) => i.metadata.annotations?.['nginx.ingress.kubernetes.io/use-regex'] === 'true');
  const paths = ingresses.flatMap((ingress) =>
    (ingress.spec.rules as any[]).flatMap((rule) => (rule.http.paths as any[]).map((p) => ({ path: p.path as string, type: p.pathType as string, service: p.backend.service.name as string }))),
  );
  const matches = (p: { path: string; type: string }) => {
    if (regex) return new RegExp(`^${p.path}`, 'i').test(pathOnly(path));
    if (p.type !== 'Prefix') throw new Error(`${p.path}: a ${p.type} path without use-regex`);
    return pathOnly(path) === p.path || pathOnly(path).startsWith(p.path.endsWith('/') ? p.path : `${p.path}/`);
  };
  return [...paths].sort((a, b) => b.path.length - a.path.length).find(matches)?.service ?? null;
}

/**
 * Gateway API HTTPRoute: a RegularExpression match (anchored, so full or partial matching agree) before the longest
 * PathPrefix match on path segments. Regex precedence is implementation-specific in Gateway API: docs/deploy.md says so.
 */
export function httpRouteRoute(route: K8sObject, path: string): string | null {
  const rules = (route.spec.rules as any[]).map((rule) => ({ match: rule.matches[0].path as { type: string; value: string }, service: rule.backendRefs[0].name as string }));
  const target = pathOnly(path);
  const regex = rules.find((r) => r.match.type === 'RegularExpression' && new RegExp(r.match.value).test(target));
  if (regex) return regex.service;
  const prefix = rules
    .filter((r) => r.match.type === 'PathPrefix' && (target === r.match.value || target.startsWith(`${r.match.value.replace(/\/$/, '')}/`)))
    .sort((a, b) => b.match.value.length - a.match.value.length)[0];
  return prefix?.service ?? null;
}
