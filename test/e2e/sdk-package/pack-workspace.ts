import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly exports?: unknown;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Workspace {
  /** Relative to the repository root, e.g. `libs/client`. */
  readonly location: string;
  readonly manifest: Manifest;
}

export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly location: string;
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Paths inside the tarball (relative to the package root). */
  readonly files: readonly string[];
  readonly manifest: Manifest;
}

/**
 * The environment for npm, tsc and node run as a user would: no NODE_PATH, none of the npm_config_* and
 * npm_lifecycle_* variables of an enclosing `npm test` (only its cache, if it names one).
 */
export function toolEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
  };
}

async function workspaces(root: string): Promise<Map<string, Workspace>> {
  const rootManifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const found = new Map<string, Workspace>();
  for (const pattern of rootManifest.workspaces) {
    const locations = pattern.endsWith('/*')
      ? (await readdir(path.join(root, pattern.slice(0, -2)), { withFileTypes: true }))
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
      : [pattern];
    for (const location of locations) {
      const manifest = await readFile(path.join(root, location, 'package.json'), 'utf8').catch(() => undefined);
      if (manifest) {
        const parsed = JSON.parse(manifest) as Manifest;
        found.set(parsed.name, { location, manifest: parsed });
      }
    }
  }
  return found;
}

/**
 * `npm pack` of a workspace package and of every workspace package it depends on (transitively), as a user packs
 * them: through npm, so `files`, `prepack` and the lifecycle scripts apply.
 */
export async function packWithWorkspaceDependencies(root: string, name: string, destination: string): Promise<PackedPackage[]> {
  const all = await workspaces(root);
  const wanted: Workspace[] = [];
  const visit = (dependency: string) => {
    const workspace = all.get(dependency);
    if (!workspace || wanted.includes(workspace)) return;
    wanted.push(workspace);
    for (const next of Object.keys(workspace.manifest.dependencies ?? {})) visit(next);
  };
  visit(name);
  if (wanted.length === 0) throw new Error(`${name} is not a workspace package`);

  const args = ['pack', '--json', '--pack-destination', destination, ...wanted.flatMap((w) => ['-w', w.location])];
  const { stdout } = await run('npm', args, { cwd: root, env: toolEnvironment(), maxBuffer: 16 * 1024 * 1024 });
  const reports = JSON.parse(stdout) as { name: string; version: string; filename: string; files: { path: string }[] }[];
  return reports.map((report) => {
    const workspace = all.get(report.name)!;
    return {
      name: report.name,
      version: report.version,
      location: workspace.location,
      tarball: path.join(destination, report.filename),
      files: report.files.map((file) => file.path),
      manifest: workspace.manifest,
    };
  });
}

/** Every file an `exports` map points at (all conditions, all subpaths). */
export function exportTargets(exportsField: unknown): string[] {
  if (typeof exportsField === 'string') return [exportsField];
  if (Array.isArray(exportsField)) return exportsField.flatMap(exportTargets);
  if (exportsField && typeof exportsField === 'object') return Object.values(exportsField).flatMap(exportTargets);
  return [];
}

/** The subpaths of an `exports` map (`.`, `./node`, …); a map of conditions only is the single subpath `.`. */
export function exportSubpaths(exportsField: unknown): string[] {
  if (!exportsField || typeof exportsField !== 'object' || Array.isArray(exportsField)) return ['.'];
  const keys = Object.keys(exportsField);
  return keys.every((key) => key.startsWith('.')) ? keys : ['.'];
}

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [key: string]: unknown;
}

export interface ConsumerProject {
  readonly packageJson: { name: string; private: true; type: 'module'; devDependencies: Record<string, string> };
  readonly lockfile: object;
}

/**
 * A project that installs the packed packages, as its `package.json` and `package-lock.json`: their registry
 * dependencies (and `devDependencies` of the project's own, e.g. `@types/node`) at the versions and integrity this
 * workspace's lockfile holds, with their tarballs' addresses, so that `npm install --offline` takes them from the npm
 * cache that `npm ci` filled: no registry access, and the very versions the workspace tests with.
 */
export async function consumerProject(root: string, packed: readonly PackedPackage[], devDependencies: readonly string[] = []): Promise<ConsumerProject> {
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const registry = (await run('npm', ['config', 'get', 'registry'], { cwd: root, env: toolEnvironment() })).stdout.trim().replace(/\/?$/, '/');
  const packedNames = new Set(packed.map((p) => p.name));
  // A workspace's own nested node_modules lands under its installed name in the consumer.
  const toConsumer = (key: string) => {
    for (const p of packed) if (key.startsWith(`${p.location}/`)) return `node_modules/${p.name}/${key.slice(p.location.length + 1)}`;
    return key;
  };
  // Node's lookup over lockfile keys: <dir>/node_modules/<name> for the package's own folder and each ancestor.
  const resolve = (from: string, name: string) => {
    const parts = from.split('/');
    for (let i = parts.length; i >= 0; i--) {
      const prefix = parts.slice(0, i).join('/');
      const key = prefix ? `${prefix}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[key]) return key;
    }
    return undefined;
  };
  const packages: Record<string, object> = {};
  const visit = (from: string, dependencies: Record<string, string>, optional: (name: string) => boolean) => {
    for (const dependency of Object.keys(dependencies)) {
      if (packedNames.has(dependency)) continue;
      const key = resolve(from, dependency);
      if (!key) {
        if (optional(dependency)) continue;
        throw new Error(`${dependency} (needed by ${from}) is not in package-lock.json`);
      }
      const target = toConsumer(key);
      if (packages[target]) continue;
      const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[key]!;
      // With the tarball's address npm needs no packument: only the tarball, which `npm ci` cached.
      const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const resolved = entry.resolved ?? `${registry}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
      packages[target] = { ...entry, resolved };
      const peers = entry.peerDependencies ?? {};
      visit(key, { ...entry.dependencies, ...entry.optionalDependencies, ...peers }, (name) =>
        name in (entry.optionalDependencies ?? {}) || (name in peers && entry.peerDependenciesMeta?.[name]?.optional === true),
      );
    }
  };
  const rootDevDependencies: Record<string, string> = {};
  for (const name of devDependencies) {
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`${name} is not in package-lock.json`);
    rootDevDependencies[name] = version;
  }
  visit('', rootDevDependencies, () => false);
  for (const p of packed) {
    const manifest = p.manifest;
    const peers = manifest.peerDependencies ?? {};
    visit(p.location, { ...manifest.dependencies, ...manifest.optionalDependencies, ...peers }, (name) =>
      name in (manifest.optionalDependencies ?? {}) || manifest.peerDependenciesMeta?.[name]?.optional === true,
    );
  }
  const name = 'sdk-consumer';
  return {
    packageJson: { name, private: true, type: 'module', devDependencies: rootDevDependencies },
    lockfile: { name, lockfileVersion: 3, requires: true, packages: { '': { name, devDependencies: rootDevDependencies }, ...packages } },
  };
}
