import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, freePort, startNatsServer, startServiceProcess, waitFor, type ServerProcess, type TestDatabase } from '@switchboard/testing';
import { migrateToLatest, MIGRATION_NAMES } from '../src/db/migrate.js';
import { readStream, request } from './harness.js';

// These run the built service (`npm test` builds first), as `npm run start:messages` would.
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [dist(script), ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let database: TestDatabase;
let nats: ServerProcess;
beforeAll(async () => {
  database = await createTestDatabase();
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.[Symbol.asyncDispose]();
  await database?.drop();
});

describe('messages process', () => {
  it('start - refuses to start without its required URLs and names every missing one', async () => {
    const result = await run('main.js', [], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is required');
    expect(result.stderr).toContain('NATS_URL is required');
    const bad = await run('main.js', [], { DATABASE_URL: 'mysql://x', NATS_URL: 'nats://127.0.0.1:1', MESSAGES_PORT: 'http' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DATABASE_URL: must be a URL with scheme postgres://');
    expect(bad.stderr).toContain('MESSAGES_PORT: must be a port number');
    expect(bad.stderr).not.toContain('NATS_URL');
  });

  it('db:migrate - applies the migrations, then finds nothing to do', async () => {
    const fresh = await createTestDatabase();
    try {
      const first = await run('cli/migrate.js', [], { DATABASE_URL: fresh.url });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('migrations applied');
      const second = await run('cli/migrate.js', [], { DATABASE_URL: fresh.url });
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('database is up to date');
    } finally {
      await fresh.drop();
    }
  });

  it('db:migrate - a database that does not exist or a closed port: exit 1 with one line naming host, database and cause', async () => {
    const url = new URL(database.url);
    url.pathname = `/${database.name}_absent`;
    const missing = await run('cli/migrate.js', [], { DATABASE_URL: url.toString() });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^db:migrate: cannot use ${url.hostname}:${url.port || 5432}/${database.name}_absent: 3D000 `)),
    ]);
    const closed = new URL(database.url);
    closed.port = String(await freePort());
    const refused = await run('cli/migrate.js', [], { DATABASE_URL: closed.toString() });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining(`cannot use ${closed.hostname}:${closed.port}/${database.name}: ECONNREFUSED`)]);
    expect(refused.stderr).not.toContain('(unknown)');
  });

  it('migrations - five replicas migrating at once apply each migration exactly once', async () => {
    const fresh = await createTestDatabase();
    const dbs = Array.from({ length: 5 }, () => {
      const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
      pool.on('error', () => {});
      return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    });
    try {
      const results = await Promise.all(dbs.map((db) => migrateToLatest(db)));
      const applied = results.flatMap((r) => r.results ?? []).filter((r) => r.status === 'Success');
      expect(applied.map((r) => r.migrationName).sort()).toEqual([...MIGRATION_NAMES].sort());
      const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(dbs[0]!);
      expect(rows.rows.map((r) => r.name)).toEqual([...MIGRATION_NAMES]);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      await fresh.drop();
    }
  });

  it('apps:create - with DATABASE_URL writes the app there and prints its JSON', async () => {
    const result = await run('cli/apps-create.js', ['--name', 'cli-app'], { DATABASE_URL: database.url });
    expect(result.code, result.stderr).toBe(0);
    const app = JSON.parse(result.stdout);
    expect(app).toMatchObject({ name: 'cli-app' });
    expect(Object.keys(app).sort()).toEqual(['admin_token', 'api_key', 'created_at', 'id', 'name']);
    const usage = await run('cli/apps-create.js', [], { DATABASE_URL: database.url });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--name');
  });

  it('start, apps:create over HTTP, SIGTERM - serves, publishes, exits 0 cleanly with no secret in its logs', async () => {
    const port = await freePort();
    const token = 'operator-token-for-process-test';
    const child = spawn(process.execPath, [dist('main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        MESSAGES_PORT: String(port),
        MESSAGES_HOST: '127.0.0.1',
        OPERATOR_TOKEN: token,
        LOG_LEVEL: 'info',
      },
    });
    let logs = '';
    child.stdout.on('data', (c) => (logs += c));
    child.stderr.on('data', (c) => (logs += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await request(url, 'GET', '/readyz')).status === 200, { timeoutMs: 15_000 });

    const created = await run('cli/apps-create.js', ['--name', 'over-http'], { MESSAGES_URL: url, OPERATOR_TOKEN: token });
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout);
    const headers = { 'X-App-Id': app.id, 'X-Device-Id': 'd1', 'X-Api-Key': app.api_key };
    const c = (await request(url, 'POST', '/v1/conversations', { headers })).body;
    const m = (await request(url, 'POST', `/v1/conversations/${c.id}/messages`, { headers, body: { body: 'hi', local_id: 'a' } })).body;
    await waitFor(async () => (await readStream(nats.url)).some((e) => e.msgId === m.id));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('shutting down');
    expect(logs).toContain('"msg":"bye"');
    expect(logs).not.toContain(app.api_key);
    expect(logs).not.toContain(app.admin_token);
    expect(logs).not.toContain(token);
  });
  it('API_RATE_PER_SECOND with REDIS_URL - two replicas share each caller\'s budget; over it, 429 RATE_LIMITED', async () => {
    const prefix = `test-rl-process-${process.pid}-${Date.now()}`;
    const start = async () => {
      const service = await startServiceProcess({
        script: dist('main.js'),
        portVariable: 'MESSAGES_PORT',
        env: {
          DATABASE_URL: database.url,
          NATS_URL: nats.url,
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: prefix,
          API_RATE_PER_SECOND: '1',
          MESSAGES_HOST: '127.0.0.1',
          OPERATOR_TOKEN: 'operator-token-for-rate-test',
          LOG_LEVEL: 'warn',
        },
      });
      return { url: service.url, stop: async () => (service.signal('SIGTERM'), await service.exited) };
    };
    const [one, two] = await Promise.all([start(), start()]);
    try {
      const created = await request(one.url, 'POST', '/v1/apps', { headers: { Authorization: 'Bearer operator-token-for-rate-test' }, body: { name: 'rate' } });
      const app = created.body;
      const headers = { 'X-App-Id': app.id, 'X-Device-Id': 'd1', 'X-Api-Key': app.api_key };
      // Bursts of twice the rate: two requests, one on each replica, then the third is refused on either.
      expect((await request(one.url, 'GET', '/v1/conversations', { headers })).status).toBe(200);
      expect((await request(two.url, 'GET', '/v1/conversations', { headers })).status).toBe(200);
      const refused = await request(one.url, 'GET', '/v1/conversations', { headers });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await request(two.url, 'GET', '/v1/conversations', { headers })).status).toBe(429);
      // Another device is not affected.
      expect((await request(two.url, 'GET', '/v1/conversations', { headers: { ...headers, 'X-Device-Id': 'd2' } })).status).toBe(200);
    } finally {
      expect(await one.stop()).toBe(0);
      expect(await two.stop()).toBe(0);
    }
  });
});
