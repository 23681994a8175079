import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort, waitForPort } from '@switchboard/testing';
import { GatewayEnv } from '../../services/gateway/src/config.js';
import { ROUTE_SAMPLES } from './routes.js';
import { NGINX, repoPath, requireBinary, run } from './tools.js';

const CONFIG = repoPath('deploy', 'nginx', 'switchboard.conf');
const config = () => readFileSync(CONFIG, 'utf8');

/** The body of `<kind> <name> { … }` (one level of nesting is enough for this file). */
function block(text: string, header: string): string {
  const start = text.indexOf(`${header} {`);
  if (start < 0) throw new Error(`no "${header} {" block`);
  let depth = 0;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(text.indexOf('{', start) + 1, i);
  }
  throw new Error(`unclosed block ${header}`);
}

const seconds = (value: string | undefined) => {
  const m = value?.match(/^(\d+)(ms|s|m)?$/);
  if (!m) return Number.NaN;
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 }[m[2] ?? 's'] ?? 1);
};

describe('nginx', () => {
  it('nginx - nginx -t accepts the config (compose service names mapped to 127.0.0.1)', async () => {
    const nginx = requireBinary(NGINX, 'nginx');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-nginx-'));
    try {
      const services = Object.keys(parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }).services);
      const mapped = config().replace(new RegExp(`\\bserver (${services.join('|')}):`, 'g'), 'server 127.0.0.1:');
      expect(mapped).not.toBe(config());
      writeFileSync(path.join(dir, 'switchboard.conf'), mapped);
      // As the nginx image's nginx.conf would: the file is included inside http {}. Everything nginx writes goes to dir.
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
      writeFileSync(
        path.join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  include ${dir}/switchboard.conf;\n}\n`,
      );
      const result = await run(nginx, ['-t', '-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('test is successful');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nginx - /v1/socket.io goes to the gateways with upgrade headers, address stickiness and timeouts above the heartbeat', () => {
    const text = config();
    const upstream = block(text, 'upstream switchboard_gateway');
    expect(upstream).toMatch(/^\s*hash \$remote_addr consistent;/m);
    expect(upstream.match(/^\s*server /gm)).toHaveLength(2);
    const socket = block(text, 'location /v1/socket.io');
    expect(socket).toMatch(/proxy_pass http:\/\/switchboard_gateway;/);
    expect(socket).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(socket).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(text).toMatch(/proxy_http_version 1\.1;/);
    const defaults = GatewayEnv.parse({ REDIS_URL: 'redis://r', NATS_URL: 'nats://n', MESSAGES_URL: 'http://m' });
    const heartbeat = (defaults.PING_INTERVAL_MS + defaults.PING_TIMEOUT_MS) / 1000;
    for (const directive of ['proxy_read_timeout', 'proxy_send_timeout']) {
      const value = socket.match(new RegExp(`${directive} (\\S+);`))?.[1];
      expect(seconds(value), `${directive} ${value} vs heartbeat ${heartbeat} s`).toBeGreaterThan(heartbeat);
    }
  });

  it('nginx - every other /v1/ path goes to messages, /v1/apps/:app_id/webhooks… to webhooks; probes, /metrics and /internal/ are not routed', () => {
    const text = config();
    expect(block(text, 'location /v1/')).toMatch(/proxy_pass http:\/\/switchboard_messages;/);
    expect(block(text, 'location ~ ^/v1/apps/[^/]+/webhooks(/|$)')).toMatch(/proxy_pass http:\/\/switchboard_webhooks;/);
    const locations = [...text.matchAll(/location\s+(~\s+)?(\S+)\s*\{/g)].map((m) => (m[1] ? `~ ${m[2]}` : m[2]));
    expect(locations.sort()).toEqual(['/', '/console/', '/v1/', '/v1/socket.io', '~ ^/v1/apps/[^/]+/webhooks(/|$)']);
    expect(block(text, 'location /')).toMatch(/return 404/);
  });

  it('nginx - a running nginx sends each path of the route table to its service (compose names mapped to local servers)', async () => {
    const nginx = requireBinary(NGINX, 'nginx');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-nginx-routes-'));
    // One small server per compose service, answering with its name.
    const upstreams: Record<string, Server> = {};
    for (const name of ['gateway-1', 'gateway-2', 'messages', 'webhooks', 'console']) {
      const server = createServer((_request, response) => response.writeHead(200, { 'x-upstream': name.replace(/-\d$/, '') }).end(name));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      upstreams[name] = server;
    }
    const port = await freePort();
    const child = spawn(nginx, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      let mapped = config().replace(/\bserver ([\w-]+):\d+/g, (whole, name: string) => {
        const server = upstreams[name];
        return server ? `server 127.0.0.1:${(server.address() as AddressInfo).port}` : whole;
      });
      mapped = mapped.replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${port};`);
      expect(mapped).not.toContain('server messages:');
      writeFileSync(path.join(dir, 'switchboard.conf'), mapped);
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
      writeFileSync(
        path.join(dir, 'nginx.conf'),
        `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  include ${dir}/switchboard.conf;\n}\n`,
      );
      await waitForPort(port, '127.0.0.1', 10_000).catch((error: unknown) => {
        throw new Error(`nginx did not start: ${stderr}`, { cause: error });
      });
      const routed: [string, string | null][] = [];
      for (const [route] of ROUTE_SAMPLES) {
        const response = await fetch(`http://127.0.0.1:${port}${route}`);
        await response.arrayBuffer();
        routed.push([route, response.status === 404 && !response.headers.get('x-upstream') ? null : response.headers.get('x-upstream')]);
      }
      expect(routed).toEqual(ROUTE_SAMPLES.map(([route, service]) => [route, service]));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      for (const server of Object.values(upstreams)) server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
