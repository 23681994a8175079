import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { build } from 'rolldown';

describe('browser bundle', () => {
  it('sdk - bundles for the browser with no Node built-ins and without zod', async () => {
    const warnings: string[] = [];
    const result = await build({
      input: fileURLToPath(new URL('./index.ts', import.meta.url)),
      platform: 'browser',
      write: false,
      onLog: (_level, log) => void warnings.push(log.message),
    });
    const code = result.output.map((chunk) => ('code' in chunk ? chunk.code : '')).join('\n');
    expect(code).toMatch(/ChatClient/);
    expect(code).toMatch(/AgentClient/);
    expect(code).toMatch(/createLocalStorageStore/);
    // The file store lives in the `./node` entry only.
    expect(code).not.toMatch(/createFileStore|node:fs/);
    expect(code).not.toMatch(/from ["']node:|require\(["'](node:)?(fs|net|tls|http|https|crypto|stream|events)["']\)/);
    // The SDK takes only types and the zod-free constants from the protocol package.
    expect(code).not.toContain('ZodError');
    expect(warnings.filter((w) => /resolve|external/i.test(w))).toEqual([]);
  }, 30_000);
});
