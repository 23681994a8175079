import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId, EVENTS_STREAM, IDENTITY, SUBJECTS, type CreatedApp } from '@switchboard/protocol';
import { esKeyPair, hsIdentityKey, mintToken, waitFor, type IdentityKey } from '@switchboard/testing';
import { deviceHeaders, OPERATOR_TOKEN, request, startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('keys');
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const operator = { Authorization: `Bearer ${OPERATOR_TOKEN}` };
const keys = (appId: string) => `/v1/apps/${appId}/identity-keys`;
const api = (method: string, p: string, body?: unknown, headers: Record<string, string> = operator) => request(h.url, method, p, { headers, body });

/**
 * The `app.credentials_revoked` events written for an app: still in the outbox, or already published on `EVENTS`
 * (once that stream exists, the relay moves them there).
 */
async function revocations(appId: string): Promise<unknown[]> {
  const rows = await h.db.selectFrom('outbox').selectAll().where('subject', '=', SUBJECTS.appCredentialsRevoked).execute();
  const events: unknown[] = rows.map((row) => row.payload).filter((p) => (p as { app_id: string }).app_id === appId);
  const nc = await connect({ servers: h.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(EVENTS_STREAM.name).catch(() => undefined);
    for (let seq = info?.state.first_seq ?? 1; info && seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(EVENTS_STREAM.name, { seq }).catch(() => undefined);
      const data = message?.json<{ app_id: string }>();
      if (message?.subject.endsWith(SUBJECTS.appCredentialsRevoked) && data?.app_id === appId) events.push(data);
    }
  } finally {
    await nc.close();
  }
  // The relay may publish a row between the two reads: the same event seen in both places is one event.
  return [...new Map(events.map((e) => [JSON.stringify(e), e])).values()];
}

describe('identity keys - operator API', () => {
  it('identity keys - HS256: the secret is shown once (≥ 32 random characters), the list never shows it', async () => {
    const created = await api('POST', keys(app.id), { alg: 'HS256' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['alg', 'created_at', 'kid', 'secret']);
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(created.body.kid).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const second = await api('POST', keys(app.id), { alg: 'HS256' });
    expect(second.body.secret).not.toBe(created.body.secret);
    expect(second.body.kid).not.toBe(created.body.kid);

    const list = await api('GET', keys(app.id));
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      { kid: created.body.kid, alg: 'HS256', created_at: created.body.created_at },
      { kid: second.body.kid, alg: 'HS256', created_at: second.body.created_at },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    for (const { kid } of list.body.data) expect((await api('DELETE', `${keys(app.id)}/${kid}`)).status).toBe(204);
  });

  it('identity keys - ES256 takes a public P-256 JWK (no secret answered); private parts, other curves and points off the curve are 400', async () => {
    const { publicJwk, privateKey } = await esKeyPair();
    const created = await api('POST', keys(app.id), { alg: 'ES256', jwk: publicJwk });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['alg', 'created_at', 'kid']);
    const key: IdentityKey = { appId: app.id, kid: created.body.kid, alg: 'ES256', signingKey: privateKey };
    const c = await request(h.url, 'POST', '/v1/conversations', { headers: { ...deviceHeaders(app, 'd'), 'X-User-Token': await mintToken(key, 'es-user') } });
    expect(c.body.user_id).toBe('es-user');

    const before = await h.count('identity_keys');
    const bad = [
      { alg: 'ES256', jwk: { ...publicJwk, d: publicJwk.x } },
      { alg: 'ES256', jwk: { ...publicJwk, crv: 'P-384' } },
      { alg: 'ES256', jwk: { ...publicJwk, y: publicJwk.x } },
      { alg: 'ES256' },
      { alg: 'HS256', jwk: publicJwk },
      { alg: 'RS256' },
      { alg: 'none' },
      {},
    ];
    for (const body of bad) {
      const response = await api('POST', keys(app.id), body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await h.count('identity_keys')).toBe(before);
    await api('DELETE', `${keys(app.id)}/${created.body.kid}`);
  });

  it(`identity keys - at most ${IDENTITY.maxKeysPerApp} per app: one more is 400 VALIDATION_FAILED saying so; deleting one makes room`, async () => {
    const full = await h.createApp('full');
    const created = await Promise.all(Array.from({ length: IDENTITY.maxKeysPerApp + 2 }, () => api('POST', keys(full.id), { alg: 'HS256' })));
    expect(created.filter((r) => r.status === 201)).toHaveLength(IDENTITY.maxKeysPerApp);
    const refused = created.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.status)).toEqual([400, 400]);
    expect(refused[0]!.body.error.code).toBe('VALIDATION_FAILED');
    expect(refused[0]!.body.error.message).toMatch(/5 identity keys/);
    expect((await api('GET', keys(full.id))).body.data).toHaveLength(IDENTITY.maxKeysPerApp);
    const kid = created.find((r) => r.status === 201)!.body.kid;
    expect((await api('DELETE', `${keys(full.id)}/${kid}`)).status).toBe(204);
    expect((await api('POST', keys(full.id), { alg: 'HS256' })).status).toBe(201);
  });

  it('identity keys - delete → 204 and an app.credentials_revoked event written with it; unknown kid or app → 404', async () => {
    const gone = await h.createApp('gone');
    const created = await api('POST', keys(gone.id), { alg: 'HS256' });
    const kid = created.body.kid;
    const started = Date.now();
    expect((await api('DELETE', `${keys(gone.id)}/${kid}`)).status).toBe(204);
    expect((await api('GET', keys(gone.id))).body.data).toEqual([]);
    const [event, ...more] = await revocations(gone.id);
    expect(more).toEqual([]);
    expect(event).toEqual({ app_id: gone.id, which: 'identity_key', valid_until: expect.any(String), credential_id: credentialId('identity_key', kid) });
    expect(Date.parse((event as { valid_until: string }).valid_until)).toBeGreaterThanOrEqual(started - 1000);

    expect((await api('DELETE', `${keys(gone.id)}/${kid}`)).status).toBe(404);
    expect((await api('DELETE', `${keys(gone.id)}/key_unknown`)).status).toBe(404);
    expect((await api('DELETE', `${keys('app_unknown')}/${kid}`)).status).toBe(404);
    expect((await api('GET', keys('app_unknown'))).status).toBe(404);
    expect((await api('POST', keys('app_unknown'), { alg: 'HS256' })).status).toBe(404);
    expect(await revocations(gone.id)).toHaveLength(1);
  });

  it('identity keys - every route needs the operator token (401), and does not exist without one (404)', async () => {
    for (const [method, p] of [['POST', keys(app.id)], ['GET', keys(app.id)], ['DELETE', `${keys(app.id)}/key_x`], ['PATCH', `/v1/apps/${app.id}`]] as const) {
      const body = method === 'GET' ? undefined : { alg: 'HS256' };
      expect((await api(method, p, body, {})).status, `${method} ${p}`).toBe(401);
      expect((await api(method, p, body, { Authorization: `Bearer ${app.admin_token}` })).status, `${method} ${p}`).toBe(401);
    }
    const closed = await h.startReplica({ operatorToken: undefined });
    expect((await request(closed.url, 'GET', keys(app.id), { headers: operator })).status).toBe(404);
    await closed.close();
  });
});

const cliScript = (name: string) => fileURLToPath(new URL(`../dist/cli/${name}`, import.meta.url));

function cli(name: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliScript(name), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('identity keys - CLIs', () => {
  const targets = () => [
    ['DATABASE_URL', { DATABASE_URL: h.database.url }],
    ['the operator API', { MESSAGES_URL: h.url, OPERATOR_TOKEN }],
  ] as const;

  it('cli - apps:identity-key adds (HS256, ES256 from a file), lists and deletes, on DATABASE_URL and through the operator API', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-jwk-'));
    for (const [target, env] of targets()) {
      const cliApp = await h.createApp(`cli-${target.length}`);
      const hs = await cli('apps-identity-key.js', ['--app', cliApp.id], env);
      expect(hs, target).toMatchObject({ code: 0, stderr: '' });
      const hsKey = JSON.parse(hs.stdout);
      expect(hsKey).toEqual({ kid: expect.any(String), alg: 'HS256', secret: expect.stringMatching(/^[A-Za-z0-9_-]{32,}$/), created_at: expect.any(String) });

      const { publicJwk } = await esKeyPair();
      const file = path.join(dir, `${cliApp.id}.json`);
      await writeFile(file, JSON.stringify(publicJwk));
      const es = await cli('apps-identity-key.js', ['--app', cliApp.id, '--jwk', file], env);
      expect(es.code, es.stderr).toBe(0);
      const esKey = JSON.parse(es.stdout);
      expect(esKey).toEqual({ kid: expect.any(String), alg: 'ES256', created_at: expect.any(String) });

      const list = await cli('apps-identity-key.js', ['--app', cliApp.id, '--list'], env);
      expect(JSON.parse(list.stdout)).toEqual({ data: [{ kid: hsKey.kid, alg: 'HS256', created_at: hsKey.created_at }, esKey] });
      expect(list.stdout).not.toContain(hsKey.secret);

      const deleted = await cli('apps-identity-key.js', ['--app', cliApp.id, '--delete', hsKey.kid], env);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(JSON.parse(deleted.stdout)).toEqual({ kid: hsKey.kid, deleted: true });
      expect(await revocations(cliApp.id)).toEqual([expect.objectContaining({ credential_id: credentialId('identity_key', hsKey.kid) })]);

      const again = await cli('apps-identity-key.js', ['--app', cliApp.id, '--delete', hsKey.kid], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/404|NOT_FOUND/);
      const unknownApp = await cli('apps-identity-key.js', ['--app', 'app_unknown', '--list'], env);
      expect(unknownApp.code).toBe(1);
    }
  }, 120_000);

  it('cli - apps:update sets the policy, on DATABASE_URL and through the operator API', async () => {
    for (const [target, env] of targets()) {
      const cliApp = await h.createApp(`update-${target.length}`);
      const required = await cli('apps-update.js', ['--app', cliApp.id, '--identity', 'required'], env);
      expect(required, target).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(required.stdout)).toEqual({ id: cliApp.id, name: cliApp.name, identity: 'required', created_at: cliApp.created_at });
      const bad = await cli('apps-update.js', ['--app', cliApp.id, '--identity', 'maybe'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('usage: npm run -s apps:update');
    }
  }, 60_000);

  it('cli - changes made on DATABASE_URL reach the running service within 15 s (a new key, the policy)', async () => {
    const remote = await h.createApp('remote');
    const anonymous = () => request(h.url, 'GET', '/v1/conversations', { headers: deviceHeaders(remote, 'd') });
    expect((await anonymous()).status).toBe(200); // cached now: the change must outlive the cache
    const created = JSON.parse((await cli('apps-identity-key.js', ['--app', remote.id], { DATABASE_URL: h.database.url })).stdout);
    const key = hsIdentityKey(remote.id, created);
    const token = await mintToken(key, 'remote-user');
    const started = Date.now();
    await waitFor(
      async () => (await request(h.url, 'GET', '/v1/conversations', { headers: { ...deviceHeaders(remote, 'd'), 'X-User-Token': token } })).status === 200,
      { timeoutMs: 15_000, intervalMs: 250, message: 'the new key is used' },
    );
    expect((await cli('apps-update.js', ['--app', remote.id, '--identity', 'required'], { DATABASE_URL: h.database.url })).code).toBe(0);
    await waitFor(async () => (await anonymous()).status === 401, { timeoutMs: 15_000, intervalMs: 250, message: 'the policy is applied' });
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it('cli - apps:identity-key refuses conflicting or missing options with exit 2 and its usage', async () => {
    const env = { DATABASE_URL: h.database.url };
    for (const args of [[], ['--app', app.id, '--list', '--delete', 'k'], ['--app', app.id, '--alg', 'ES256'], ['--app', app.id, '--alg', 'RS256'], ['--app', app.id, '--jwk', '/nonexistent.json']]) {
      const result = await cli('apps-identity-key.js', args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('usage: npm run -s apps:identity-key');
    }
  }, 60_000);
});
