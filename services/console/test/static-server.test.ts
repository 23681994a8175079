import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@switchboard/logger';
import { loadConsoleServerConfig } from '../server/config.js';
import { loadStaticSite } from '../server/static-site.js';
import { startConsoleServer, type ConsoleServer } from '../server/static-server.js';

const logger = createLogger({ service: 'console-test', level: 'silent' });
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;

/** A built console in miniature: two pages, a hashed asset, the build's config.json. */
async function fakeBuild(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-console-site-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(path.join(dir, 'widget.html'), '<!doctype html><title>widget</title>');
  await writeFile(path.join(dir, 'assets', 'console-abc123.js'), SCRIPT);
  await writeFile(path.join(dir, 'config.json'), '{"apiUrl":"https://from-the-file.example"}\n');
  return dir;
}

describe('console static server (npm run start:console)', () => {
  let dir: string;
  let fromFile: ConsoleServer;
  let fromEnv: ConsoleServer;
  const base = (server: ConsoleServer) => `http://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    dir = await fakeBuild();
    const site = await loadStaticSite(dir);
    fromFile = await startConsoleServer(loadConsoleServerConfig({ CONSOLE_PORT: '0', CONSOLE_HOST: '127.0.0.1' }), { site, logger });
    fromEnv = await startConsoleServer(
      loadConsoleServerConfig({ CONSOLE_PORT: '0', CONSOLE_HOST: '127.0.0.1', CONSOLE_API_URL: 'https://api.example', CONSOLE_GATEWAY_URL: 'https://ws.example' }),
      { site, logger },
    );
  });
  afterAll(async () => {
    await fromFile?.close();
    await fromEnv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('static server - config.json comes from the environment when set, else from the build', async () => {
    expect(await (await fetch(`${base(fromEnv)}/console/config.json`)).json()).toEqual({ apiUrl: 'https://api.example', gatewayUrl: 'https://ws.example' });
    expect(await (await fetch(`${base(fromFile)}/config.json`)).json()).toEqual({ apiUrl: 'https://from-the-file.example' });
    expect((await fetch(`${base(fromFile)}/config.json`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('static server - the pages under / and /console/, never cached blindly, with their security headers', async () => {
    for (const url of [`${base(fromFile)}/`, `${base(fromFile)}/console/`, `${base(fromFile)}/console/index.html`]) {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>console</title>');
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    // The widget may be framed by the site that embeds it.
    const widget = await fetch(`${base(fromFile)}/console/widget.html?app_id=a&api_key=k`);
    expect(await widget.text()).toContain('<title>widget</title>');
    expect(widget.headers.get('content-security-policy')).not.toContain('frame-ancestors');
    const redirect = await fetch(`${base(fromFile)}/console`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/console/']);
  });

  it('static server - hashed assets cached for a year, gzipped when accepted, 304 on a matching ETag', async () => {
    const url = `${base(fromFile)}/console/assets/console-abc123.js`;
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(SCRIPT);
    // undici's fetch unzips by itself: read the raw bytes through a plain request instead.
    const raw = await import('node:http').then(
      (http) =>
        new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
          http.get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
          }).on('error', reject);
        }),
    );
    expect(raw.encoding).toBe('gzip');
    expect(raw.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(raw.body).toString()).toBe(SCRIPT);
    const etag = plain.headers.get('etag')!;
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('static server - unknown paths, traversal and other methods change nothing and serve nothing', async () => {
    for (const route of ['/nope.js', '/console/../package.json', '/console/%2e%2e/config.ts', '/console/assets//x', '/console/%E0%A4%A']) {
      expect((await fetch(`${base(fromFile)}${route}`)).status, route).toBe(404);
    }
    const post = await fetch(`${base(fromFile)}/console/`, { method: 'POST', body: '{}' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const head = await fetch(`${base(fromFile)}/console/assets/console-abc123.js`, { method: 'HEAD', headers: { 'accept-encoding': 'identity' } });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, String(SCRIPT.length), '']);
    expect((await fetch(`${base(fromFile)}/readyz`)).status).toBe(200);
  });

  it('static server - a folder without a build is refused at start, and bad URLs are configuration errors', async () => {
    await expect(loadStaticSite(tmpdir())).rejects.toThrow(/no index\.html/);
    expect(() => loadConsoleServerConfig({ CONSOLE_API_URL: 'ftp://x', CONSOLE_PORT: 'abc' })).toThrow(/CONSOLE_API_URL[\s\S]*CONSOLE_PORT|CONSOLE_PORT[\s\S]*CONSOLE_API_URL/);
  });
});
