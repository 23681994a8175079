import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DIST_DIR } from '../server/dist-dir.js';

/** The issue's budget for the built console: its JavaScript, gzipped, both pages together. */
const BUDGET_BYTES = 250 * 1024;

describe('console build - size', () => {
  it('console build - all of its JavaScript is under 250 KB gzipped', () => {
    const assets = path.join(CONSOLE_DIST_DIR, 'assets');
    const scripts = readdirSync(assets).filter((file) => file.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = scripts.map((file) => ({ file, gzip: gzipSync(readFileSync(path.join(assets, file)), { level: 9 }).length }));
    const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
    process.stdout.write(`console JavaScript, gzipped: ${(total / 1024).toFixed(1)} KB (${sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)} KB`).join(', ')})\n`);
    expect(total).toBeLessThan(BUDGET_BYTES);
  });
});
