import ts from 'typescript';
import { ConfigMap, Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { repoPath } from './tools.js';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: any;
}

/**
 * Messages name an object by kind/name, prefixed with this annotation when present (the tests set it to say which
 * render an object comes from, e.g. "values: polling "). It is a valid annotation, so it does not disturb the checks.
 */
export const SOURCE_ANNOTATION = 'switchboard.test/source';

interface Model {
  validate(): void;
}

/** The kinds the chart and the manifests may contain: a model (runtime JSON schema) and its TypeScript interface. */
const MODELS: Record<string, { readonly module: string; readonly create: (data: any) => Model }> = {
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', create: (d) => new ConfigMap(d) },
  'v1/Pod': { module: 'kubernetes-models/v1/Pod', create: (d) => new Pod(d) },
  'v1/Service': { module: 'kubernetes-models/v1/Service', create: (d) => new Service(d) },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', create: (d) => new ServiceAccount(d) },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', create: (d) => new Deployment(d) },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    create: (d) => new HorizontalPodAutoscaler(d),
  },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', create: (d) => new Job(d) },
  'networking.k8s.io/v1/Ingress': { module: 'kubernetes-models/networking.k8s.io/v1/Ingress', create: (d) => new Ingress(d) },
  'networking.k8s.io/v1/NetworkPolicy': {
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    create: (d) => new NetworkPolicy(d),
  },
  'policy/v1/PodDisruptionBudget': {
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    create: (d) => new PodDisruptionBudget(d),
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    create: (d) => new ServiceMonitor(d),
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    create: (d) => new PrometheusRule(d),
  },
  'gateway.networking.k8s.io/v1/HTTPRoute': {
    module: '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute',
    create: (d) => new HTTPRoute(d),
  },
};

const describe = (o: K8sObject) => `${o.metadata?.annotations?.[SOURCE_ANNOTATION] ?? ''}${o.kind}/${o.metadata?.name}`;

/**
 * Validates each object against its Kubernetes (or CRD) schema from kubernetes-models: types, required fields,
 * formats, enums. Returns one message per problem; an unknown apiVersion/kind is a problem too.
 */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!model) {
      problems.push(`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      model.create(object).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * The schemas above accept fields they do not know, and so would a typo (`readinesProbe`). kubectl and the API
 * server refuse unknown fields, so this check does too: every object becomes an object literal that must satisfy
 * its kubernetes-models TypeScript interface, whose excess-property check names each unknown field.
 */
export function unknownFieldProblems(objects: readonly K8sObject[]): string[] {
  const fileName = repoPath('.tools', 'k8s-typecheck', `manifests-${process.pid}.ts`);
  const known = objects.map((object, i) => ({ object, i, model: MODELS[`${object.apiVersion}/${object.kind}`] })).filter((k) => k.model);
  let source = known.map(({ object, i, model }) => `import type { I${object.kind} as T${i} } from '${model!.module}';\n`).join('');
  // First line (0-based) of each object's declaration, to name the object a diagnostic points into.
  const starts: { line: number; object: K8sObject }[] = [];
  for (const { object, i } of known) {
    starts.push({ line: source.split('\n').length - 1, object });
    source += `export const o${i} = ${JSON.stringify(object, null, 1)} satisfies T${i};\n`;
  }
  const sourceLines = source.split('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName)!;
  return ts.getPreEmitDiagnostics(program, file).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file !== file || diagnostic.start === undefined) return message;
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
    const owner = starts.findLast((start) => start.line <= line);
    const text = sourceLines[line]?.trim();
    return `${owner ? describe(owner.object) : '?'}: ${message} (at ${text})`;
  });
}

/** Both checks; empty when every object is valid. */
export function validateObjects(objects: readonly K8sObject[]): string[] {
  return [...schemaProblems(objects), ...unknownFieldProblems(objects)];
}
