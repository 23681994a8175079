import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-models.js';

/** The objects of a multi-document YAML stream (helm template, kubectl kustomize); empty documents skipped. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length) throw new Error(`invalid YAML: ${document.errors.map((e) => e.message).join('; ')}`);
    const value = document.toJS({ maxAliasCount: -1 }) as K8sObject | null;
    return value ? [value] : [];
  });
}

/** The one object of a kind whose name ends with `nameSuffix`; throws when there is not exactly one. */
export function single(objects: readonly K8sObject[], kind: string, nameSuffix = ''): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}`);
  return found[0]!;
}
