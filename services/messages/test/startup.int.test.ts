import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  sleep,
  startNatsServer,
  startRedisServer,
  startServiceProcess,
  startTcpBalancer,
  waitFor,
  type ServerProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@switchboard/testing';
import { readStream, request } from './harness.js';

// Start-up without dependencies (issue 12, items 4 and 5), on the built service as `npm run start:messages` runs it.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const OPERATOR_TOKEN = 'operator-token-for-startup-tests';

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

/** The service, up to `/healthz` only (its dependencies may be missing). */
function start(env: Record<string, string>): Promise<ServiceProcess> {
  return startServiceProcess({
    script: main,
    portVariable: 'MESSAGES_PORT',
    readyPath: '/healthz',
    env: { MESSAGES_HOST: '127.0.0.1', OPERATOR_TOKEN, LOG_LEVEL: 'info', DATABASE_URL: database.url, NATS_URL: nats.url, ...env },
  });
}

/** The JSON log lines whose `msg` starts with `prefix`. */
function logLines(service: ServiceProcess, prefix: string): Array<Record<string, unknown>> {
  return service
    .logs()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry.msg === 'string' && entry.msg.startsWith(prefix));
}

async function readyz(service: ServiceProcess) {
  const response = await request(service.url, 'GET', '/readyz');
  return { status: response.status, body: response.body as { status: string; checks: Record<string, string> } };
}

async function stop(service: ServiceProcess): Promise<void> {
  service.signal('SIGTERM');
  await service.exited;
}

/** Runs the service to its exit (a configuration error); SIGKILLed after `timeoutMs`. */
function runToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', MESSAGES_HOST: '127.0.0.1', MESSAGES_PORT: '0', NATS_URL: nats.url, LOG_LEVEL: 'info', ...env },
    });
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

describe('start-up: configuration errors', () => {
  it('postgres - a database that does not exist: exits 1 with one line naming it, its host and 3D000', async () => {
    const missing = `${database.name}_missing`;
    const url = new URL(database.url);
    url.pathname = `/${missing}`;
    const result = await runToExit({ DATABASE_URL: url.toString() });
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`${url.hostname}:${url.port || 5432}/${missing}`);
    expect(lines[0]).toContain('3D000');
    expect(lines[0]).toContain('does not exist');
    expect(result.stderr + result.stdout).not.toContain('MigrationError');
    expect(result.stderr + result.stdout).not.toContain('(unknown)');
  });

  it('postgres - refused credentials (a role that does not exist): exits 1 with one line naming the database and 28000', async () => {
    // 127.0.0.1 is trust here, so a wrong password cannot be refused; an unknown role is (SQLSTATE 28000).
    const url = new URL(database.url);
    url.username = 'sb_no_such_role';
    url.password = 'secret-password-never-logged';
    const result = await runToExit({ DATABASE_URL: url.toString() });
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`/${database.name}`);
    expect(lines[0]).toContain('28000');
    expect(lines[0]).toContain('credentials were refused');
    expect(result.stderr + result.stdout).not.toContain('secret-password-never-logged');
  });
});

describe('start-up: dependencies that come later', () => {
  it('postgres - unreachable at start: healthz 200, readyz 503, one "waiting" line with host and ECONNREFUSED; serves once it opens; one line when lost and when back', async () => {
    const port = await freePort();
    const through = new URL(database.url);
    through.hostname = '127.0.0.1';
    through.port = String(port);
    const service = await start({ DATABASE_URL: through.toString() });
    let proxy: Awaited<ReturnType<typeof startTcpBalancer>> | undefined;
    try {
      expect((await request(service.url, 'GET', '/healthz')).status).toBe(200);
      const unready = await readyz(service);
      expect(unready.status).toBe(503);
      expect(unready.body).toMatchObject({ status: 'unready', checks: { postgres: 'down', self: 'ok' } });
      const api = await request(service.url, 'POST', '/v1/apps', { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` }, body: { name: 'early' } });
      expect(api.status).toBe(503);
      expect(api.body.error.code).toBe('UNAVAILABLE');
      // Retries happen (with backoff) and are not logged again.
      await waitFor(() => service.logs().includes('postgres still unreachable') || logLines(service, 'waiting for postgres').length > 0);
      await sleep(1500);
      const waiting = logLines(service, 'waiting for postgres');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]!.msg).toContain(`127.0.0.1:${port}/${database.name}`);
      expect(waiting[0]!.msg).toContain('ECONNREFUSED');

      const postgresPort = Number(new URL(database.url).port || 5432);
      proxy = await startTcpBalancer([postgresPort], { port });
      await waitFor(async () => (await readyz(service)).status === 200, { timeoutMs: 20_000 });
      await waitFor(() => logLines(service, 'connected to postgres').length > 0, { timeoutMs: 5_000, message: 'logged: connected to postgres' });
      expect(logLines(service, 'connected to postgres')).toHaveLength(1);
      const app = await request(service.url, 'POST', '/v1/apps', { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` }, body: { name: 'later' } });
      expect(app.status).toBe(201);

      proxy.block();
      await waitFor(async () => (await readyz(service)).status === 503, { timeoutMs: 20_000 });
      expect((await readyz(service)).body.checks.postgres).toBe('down');
      await sleep(2500); // a probe or two more while it is down
      proxy.unblock();
      await waitFor(async () => (await readyz(service)).status === 200, { timeoutMs: 20_000 });
      await waitFor(() => logLines(service, 'postgres is back').length > 0, { timeoutMs: 5_000, message: 'logged: postgres is back' });
      expect(logLines(service, 'lost postgres')).toHaveLength(1);
      expect(logLines(service, 'postgres is back')).toHaveLength(1);
      expect(service.running).toBe(true);
    } finally {
      await stop(service);
      await proxy?.close();
    }
  });

  it('nats - unreachable at start: ready without it (nats down), one "waiting" line; publishes once it starts; one line when lost and when back', async () => {
    const own = await startNatsServer();
    await own.stop();
    const service = await start({ NATS_URL: own.url });
    try {
      await waitFor(async () => (await readyz(service)).status === 200, { timeoutMs: 20_000 });
      expect((await readyz(service)).body).toEqual({ status: 'ready', checks: { nats: 'down', postgres: 'ok', self: 'ok' } });
      // Writes are accepted meanwhile; the outbox holds the event.
      const app = (await request(service.url, 'POST', '/v1/apps', { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` }, body: { name: 'nats-later' } })).body;
      const headers = { 'X-App-Id': app.id, 'X-Device-Id': 'd1', 'X-Api-Key': app.api_key };
      const c = (await request(service.url, 'POST', '/v1/conversations', { headers })).body;
      const m = await request(service.url, 'POST', `/v1/conversations/${c.id}/messages`, { headers, body: { body: 'queued', local_id: 'q1' } });
      expect(m.status).toBe(201);
      await sleep(1500);
      const waiting = logLines(service, 'waiting for nats');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]!.msg).toContain(`nats://127.0.0.1:${own.port}`);
      expect(waiting[0]!.msg).toContain('ECONNREFUSED');

      await own.start();
      await waitFor(async () => (await readyz(service)).body.checks.nats === 'ok', { timeoutMs: 20_000 });
      await waitFor(() => logLines(service, 'connected to nats').length > 0, { timeoutMs: 5_000, message: 'logged: connected to nats' });
      expect(logLines(service, 'connected to nats')).toHaveLength(1);
      await waitFor(async () => (await readStream(own.url)).some((e) => e.msgId === m.body.id), { timeoutMs: 20_000 });

      await own.kill();
      await waitFor(async () => (await readyz(service)).body.checks.nats === 'down', { timeoutMs: 20_000 });
      expect((await readyz(service)).status).toBe(200);
      await own.start();
      await waitFor(async () => (await readyz(service)).body.checks.nats === 'ok', { timeoutMs: 20_000 });
      // The log line reaches the pipe a moment after /readyz shows the state it describes.
      await waitFor(() => logLines(service, 'nats is back').length > 0, { timeoutMs: 5_000, message: 'logged: nats is back' });
      expect(logLines(service, 'lost nats')).toHaveLength(1);
      expect(logLines(service, 'nats is back')).toHaveLength(1);
      expect(service.running).toBe(true);
    } finally {
      await stop(service);
      await own[Symbol.asyncDispose]();
    }
  });

  it('redis - unreachable at start (REDIS_URL set): starts, redis down (limits fail open), one "waiting" line; ok once it starts; one line when lost and when back', async () => {
    const redis = await startRedisServer();
    await redis.stop();
    const service = await start({ REDIS_URL: redis.url, API_RATE_PER_SECOND: '5', REDIS_KEY_PREFIX: `test-startup-${process.pid}` });
    try {
      await waitFor(async () => (await readyz(service)).body.checks.postgres === 'ok', { timeoutMs: 20_000 });
      const ready = await readyz(service);
      expect(ready.body.checks.redis).toBe('down');
      const app = (await request(service.url, 'POST', '/v1/apps', { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` }, body: { name: 'redis-later' } })).body;
      const headers = { 'X-App-Id': app.id, 'X-Device-Id': 'd1', 'X-Api-Key': app.api_key };
      expect((await request(service.url, 'GET', '/v1/conversations', { headers })).status).toBe(200);
      await sleep(1500);
      const waiting = logLines(service, 'waiting for redis');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]!.msg).toContain(`127.0.0.1:${redis.port}`);
      expect(waiting[0]!.msg).toContain('ECONNREFUSED');

      await redis.start();
      await waitFor(async () => (await readyz(service)).body.checks.redis === 'ok', { timeoutMs: 20_000 });
      await waitFor(() => logLines(service, 'connected to redis').length > 0, { timeoutMs: 5_000, message: 'logged: connected to redis' });
      expect(logLines(service, 'connected to redis')).toHaveLength(1);
      await redis.kill();
      await waitFor(async () => (await readyz(service)).body.checks.redis === 'down', { timeoutMs: 20_000 });
      await sleep(1500);
      await redis.start();
      await waitFor(async () => (await readyz(service)).body.checks.redis === 'ok', { timeoutMs: 20_000 });
      await waitFor(() => logLines(service, 'redis is back').length > 0, { timeoutMs: 5_000, message: 'logged: redis is back' });
      expect(logLines(service, 'lost redis')).toHaveLength(1);
      expect(logLines(service, 'redis is back')).toHaveLength(1);
      expect(service.logs()).not.toMatch(/Unhandled error event|MaxRetriesPerRequestError/);
      expect(service.running).toBe(true);
    } finally {
      await stop(service);
      await redis[Symbol.asyncDispose]();
    }
  });
});
