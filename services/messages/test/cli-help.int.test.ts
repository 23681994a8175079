import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = (name: string) => fileURLToPath(new URL(`../dist/cli/${name}`, import.meta.url));

/** Runs a built CLI with no database configured: what a newcomer sees when asking it for help. */
function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli(script), ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('CLIs', () => {
  for (const [script, command] of [['migrate.js', 'db:migrate'], ['apps-create.js', 'apps:create'], ['apps-identity-key.js', 'apps:identity-key'], ['apps-update.js', 'apps:update']] as const) {
    it(`cli - ${command} answers --help and -h with its usage on stdout, exit 0, touching nothing`, async () => {
      for (const flag of ['--help', '-h']) {
        const result = await run(script, [flag]);
        expect(result, flag).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(new RegExp(`^usage: npm run -s ${command}`));
        expect(result.stdout).toContain('DATABASE_URL');
      }
    });

    it(`cli - ${command} refuses an unknown option with exit 2 and the usage on stderr`, async () => {
      const result = await run(script, ['--frobnicate']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain("'--frobnicate'");
      expect(result.stderr).toContain(`usage: npm run -s ${command}`);
    });
  }
});
