import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` from a clean clone must be quiet: no EBADENGINE (a locked package that does not support the Node
 * this project runs on) and no `install-scripts` warning (a locked package whose install script is neither
 * approved nor denied in package.json's `allowScripts`). Both are read from the lockfile, as npm reads them.
 */
const root = (file: string) => fileURLToPath(new URL(`../../${file}`, import.meta.url));

interface LockedPackage {
  readonly version?: string;
  readonly engines?: { readonly node?: string };
  readonly hasInstallScript?: boolean;
  readonly link?: boolean;
}

const manifest = JSON.parse(await readFile(root('package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(await readFile(root('package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
const locked = Object.entries(lock.packages)
  .filter(([location, p]) => location.includes('node_modules/') && !p.link)
  .map(([location, p]) => ({ name: location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length), ...p }));

describe('install', () => {
  it('install - every locked package supports the lowest and the current Node the project allows (no EBADENGINE)', () => {
    const lowest = semver.minVersion(manifest.engines.node)!.version;
    const unsupported = locked
      .filter((p) => p.engines?.node !== undefined)
      .flatMap((p) =>
        [lowest, process.versions.node]
          .filter((node) => !semver.satisfies(node, p.engines!.node!, { includePrerelease: true }))
          .map((node) => `${p.name}@${p.version} wants node ${p.engines!.node} (not ${node})`),
      );
    expect(unsupported).toEqual([]);
  });

  it('install - every dependency with an install script is approved or denied in allowScripts (no npm warning)', () => {
    const reviewed = manifest.allowScripts ?? {};
    const unreviewed = locked
      .filter((p) => p.hasInstallScript)
      .filter((p) => !Object.keys(reviewed).some((key) => key === p.name || key === `${p.name}@${p.version}`))
      .map((p) => `${p.name}@${p.version}`);
    expect(unreviewed).toEqual([]);
  });
});
