import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** What one `npm run load -- <scenario>` printed (its table) and wrote to `--out` (its JSON). */
export interface CliRun<J> {
  readonly table: string;
  readonly json: J;
}

/**
 * Runs the built load runner as `npm run load` would, with 2 client processes and a fresh `--out` directory each
 * time; `dispose` removes those directories (call it in `afterAll`).
 */
export function createCliRuns(timeoutMs: number) {
  const dirs: string[] = [];
  return {
    async run<J>(scenario: string, flags: readonly string[]): Promise<CliRun<J>> {
      const out = await mkdtemp(path.join(tmpdir(), `load-${scenario}-`));
      dirs.push(out);
      const table = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [CLI, scenario, '--workers', '2', '--out', out, ...flags], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${scenario} failed: ${error.message}\n${stderr.slice(-4000)}`));
          else resolve(stdout);
        });
      });
      const [file] = await readdir(out);
      return { table, json: JSON.parse(await readFile(path.join(out, file!), 'utf8')) as J };
    },
    async dispose() {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    },
  };
}
