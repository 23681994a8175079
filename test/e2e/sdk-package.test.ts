import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@switchboard/testing';
import { consumerProject, exportSubpaths, exportTargets, packWithWorkspaceDependencies, toolEnvironment, type PackedPackage } from './sdk-package/pack-workspace.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./sdk-package/consumer/', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * What an app developer does with the SDK outside this repository: `npm pack` it (with the protocol package it
 * needs, packed alongside), install the tarballs into an empty project, and talk to a running gateway with it.
 * The project lives in the system's temp folder, so nothing of the workspace is reachable from it; npm installs
 * offline from its cache (see consumerProject), so the test needs no registry.
 */
describe('e2e: the packed SDK in a project of its own', () => {
  let stack: Stack;
  let work: string;
  let project: string;
  let packed: PackedPackage[];
  const childEnv = toolEnvironment();

  beforeAll(async () => {
    work = await realpath(await mkdtemp(path.join(tmpdir(), 'sb-sdk-package-')));
    project = path.join(work, 'app');
    const [started, installed] = await Promise.allSettled([
      startStack(),
      (async () => {
        await mkdir(path.join(work, 'tarballs'));
        packed = await packWithWorkspaceDependencies(root, '@switchboard/client', path.join(work, 'tarballs'));
        await mkdir(project);
        // A Node app on the SDK has Node's types, so that an entry for Node (`@switchboard/client/node`) type-checks.
        const consumer = await consumerProject(root, packed, ['@types/node']);
        await writeFile(path.join(project, 'package.json'), JSON.stringify(consumer.packageJson, null, 2));
        await writeFile(path.join(project, 'package-lock.json'), JSON.stringify(consumer.lockfile, null, 2));
        await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...packed.map((p) => p.tarball)], { cwd: project, env: childEnv });
      })(),
    ]);
    // Keep what started, so that afterAll stops it whatever failed.
    if (started.status === 'fulfilled') stack = started.value;
    for (const result of [started, installed]) if (result.status === 'rejected') throw result.reason;
  }, 90_000);
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('sdk package - packs the SDK and the protocol, and everything their exports name is in the tarballs', async () => {
    expect(packed.map((p) => p.name).sort()).toEqual(['@switchboard/client', '@switchboard/protocol']);
    for (const p of packed) {
      expect(p.files).toContain('package.json');
      expect(p.files, `${p.name}: no build metadata or tests`).not.toContainEqual(expect.stringMatching(/\.tsbuildinfo$|\.test\.[jt]s$/));
      const targets = exportTargets(p.manifest.exports);
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(p.files, `${p.name} exports ${target}`).toContain(path.posix.normalize(target));
      // Dependencies are either packed alongside or come from the registry: no workspace or file links.
      for (const [dependency, spec] of Object.entries(p.manifest.dependencies ?? {})) {
        if (packed.some((other) => other.name === dependency)) expect(spec).toBe(packed.find((o) => o.name === dependency)!.version);
        else expect(spec, dependency).toMatch(/^[~^]?\d+\.\d+\.\d+/);
      }
    }
  });

  it('sdk package - installs into an empty project outside the workspace, type-checks there, and every export loads', async () => {
    expect(project.startsWith(await realpath(root))).toBe(false);
    const installed = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual(packed.map((p) => p.name).sort());
    for (const p of packed) expect(installed.dependencies[p.name]).toMatch(/^file:/);

    // One module importing every subpath of every packed package's exports (`.`, `./node`, …).
    const specifiers = packed.flatMap((p) => exportSubpaths(p.manifest.exports).map((subpath) => (subpath === '.' ? p.name : `${p.name}/${subpath.slice(2)}`)));
    const imports = specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
    await writeFile(
      path.join(project, 'exports.mts'),
      `${imports}\nconsole.log(JSON.stringify({ ${specifiers.map((s, i) => `'${s}': Object.keys(m${i}).length`).join(', ')} }));\n`,
    );
    for (const file of ['main.mts', 'tsconfig.json']) await copyFile(path.join(fixture, file), path.join(project, file));
    const compiled = await run(process.execPath, [tsc, '-p', project], { cwd: project, env: childEnv }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc in the consumer project failed:\n${error.stdout}`);
    });
    expect(compiled.stdout).toBe('');

    const { stdout } = await run(process.execPath, [path.join(project, 'out', 'exports.mjs')], { cwd: project, env: childEnv });
    const loaded = JSON.parse(stdout) as Record<string, number>;
    expect(Object.keys(loaded).sort()).toEqual([...specifiers].sort());
    for (const specifier of specifiers) expect(loaded[specifier], specifier).toBeGreaterThan(0);
  }, 60_000);

  it('sdk package - a device and an agent on the installed SDK send and receive through a running gateway', async () => {
    const app = await stack.createApp('packed-sdk');
    // Compiled by the previous test; compile again when run alone.
    await readFile(path.join(project, 'out', 'main.mjs')).catch(async () => {
      for (const file of ['main.mts', 'tsconfig.json']) await copyFile(path.join(fixture, file), path.join(project, file));
      await run(process.execPath, [tsc, '-p', project], { cwd: project, env: childEnv });
    });
    const { stdout, stderr } = await run(process.execPath, [path.join(project, 'out', 'main.mjs')], {
      cwd: project,
      env: {
        ...childEnv,
        GATEWAY_URL: stack.nodes[0]!.url,
        API_URL: stack.messages.url,
        APP_ID: app.id,
        API_KEY: app.api_key,
        ADMIN_TOKEN: app.admin_token,
      },
      timeout: 45_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the consumer script failed: ${error.message}\n${error.stdout}\n${error.stderr}`);
    });
    expect(stderr).toBe('');
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.stored).toMatchObject({ seq: 1, sender: 'user' });
    expect(result.echo).toBe(result.stored.id);
    expect(result.agentSaw).toBe(result.stored.id);
    expect(result.reply).toEqual({ body: 'hello, packed device', sender: 'agent', seq: 2 });
    const page = await stack.rest('GET', `/v1/conversations/${result.conversation}/messages`, { Authorization: `Bearer ${app.admin_token}` });
    expect(page.body.data.map((m: { body: string }) => m.body)).toEqual(['hello from a packed SDK', 'hello, packed device']);
  }, 60_000);
});
