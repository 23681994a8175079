import { beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_ANNOTATION, validateObjects, type K8sObject } from './k8s-models.js';
import { parseManifests } from './manifests.js';
import { kubeTools, repoPath, run } from './tools.js';
import { componentProblems, ingressProblems, migrationJobProblems } from './workload-checks.js';

const BUILDS = { base: 'k8s/base', 'example overlay': 'k8s/overlays/example' } as const;
const rendered = new Map<keyof typeof BUILDS, K8sObject[]>();

beforeAll(async () => {
  const { kubectl } = await kubeTools();
  await Promise.all(
    Object.entries(BUILDS).map(async ([name, dir]) => {
      const result = await run(kubectl, ['kustomize', repoPath(dir)]);
      if (result.code !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
      rendered.set(name as keyof typeof BUILDS, parseManifests(result.stdout));
    }),
  );
});

describe('kustomize manifests', () => {
  it('kustomize - base and example overlay build, and every object is valid with no unknown field', () => {
    const all = [...rendered].flatMap(([name, objects]) =>
      objects.map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [SOURCE_ANNOTATION]: `${name}: ` } } })),
    );
    expect(all.length).toBeGreaterThan(25);
    expect(validateObjects(all)).toEqual([]);
  });

  it('kustomize - gateway, messages and webhooks workloads: probes, drain timing, security, spread, config and secrets', () => {
    for (const [name, objects] of rendered) {
      const options = { secretName: 'switchboard', expectHpa: true, expectPdb: true };
      expect(componentProblems(objects, 'gateway', options), name).toEqual([]);
      expect(componentProblems(objects, 'messages', options), name).toEqual([]);
      expect(componentProblems(objects, 'webhooks', options), name).toEqual([]);
      expect(ingressProblems(objects, { heartbeatMs: 25_000 + 20_000, sticky: true, webhooks: true }), name).toEqual([]);
    }
  });

  it('kustomize - the example overlay adds the migration Job, its namespace, images and origins', () => {
    const objects = rendered.get('example overlay')!;
    expect(migrationJobProblems(objects, 'switchboard')).toEqual([]);
    expect(objects.every((o) => o.metadata.namespace === 'switchboard')).toBe(true);
    const images = objects.filter((o) => o.spec?.template?.spec).flatMap((o) => o.spec.template.spec.containers.map((c: any) => c.image));
    expect(images.every((image: string) => image.startsWith('registry.example.com/'))).toBe(true);
    const gatewayConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('switchboard-gateway'));
    expect(gatewayConfig?.data.ALLOWED_ORIGINS).toBe('https://app.example.com');
    expect(rendered.get('base')!.filter((o) => o.kind === 'Job')).toEqual([]);
  });
});
