import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('gateway process', () => {
  it('start - refuses to start without its required URLs and names every missing one', async () => {
    const result = await run({});
    expect(result.code).toBe(1);
    for (const name of ['REDIS_URL', 'NATS_URL', 'MESSAGES_URL']) expect(result.stderr).toContain(`${name} is required`);
    const bad = await run({ REDIS_URL: 'http://x', NATS_URL: 'nats://127.0.0.1:1', MESSAGES_URL: 'http://127.0.0.1:1', DRAIN_WINDOW_MS: 'soon' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('REDIS_URL: must be a URL with scheme redis://');
    expect(bad.stderr).toContain('DRAIN_WINDOW_MS');
  });
});
