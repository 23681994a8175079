import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { appPath, WEBHOOK_PATHS, WEBHOOKS, WebhookEndpoint, type CreatedApp } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { createPostgresDatabase, type PostgresDatabase } from '@switchboard/service-kit';
import { startStack, type Stack } from '@switchboard/testing';
import type { WebhooksDatabase } from '../src/db/schema.js';
import { createEndpoint } from '../src/use-cases/endpoints.js';

const hooks = (appId: string) => appPath(WEBHOOK_PATHS.webhooks, appId);
const hook = (appId: string, id: string) => `${hooks(appId)}/${id}`;
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

describe('webhooks operator API', () => {
  let stack: Stack;
  let app: CreatedApp;
  let other: CreatedApp;
  let database: PostgresDatabase<WebhooksDatabase>;
  let db: Kysely<WebhooksDatabase>;
  const countRows = async (appId: string) =>
    Number((await db.selectFrom('webhooks.endpoints').select((eb) => eb.fn.countAll<string>().as('n')).where('app_id', '=', appId).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    stack = await startStack({ nodes: 0, webhooks: true });
    app = await stack.createApp('webhooks-app');
    other = await stack.createApp('other-app');
    database = createPostgresDatabase<WebhooksDatabase>({ connectionString: stack.database.url, poolSize: 2, logger: createLogger({ service: 'test', level: 'silent' }) });
    db = database.db;
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  it('endpoints - create shows the secret once; list has no secrets; delete removes it and its log', async () => {
    const created = await stack.webhooksRest('POST', hooks(app.id), { url: 'https://push.example.com/hooks?t=1', events: ['message.created', 'conversation.updated'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^whk_/),
      url: 'https://push.example.com/hooks?t=1',
      events: ['message.created', 'conversation.updated'],
      secret: expect.stringMatching(SECRET),
      created_at: expect.stringMatching(/Z$/),
      disabled: false,
    });
    expect(Buffer.from(created.body.secret.slice(WEBHOOKS.secretPrefix.length), 'base64')).toHaveLength(WEBHOOKS.secretBytes);
    const second = await stack.webhooksRest('POST', hooks(app.id), { url: 'http://127.0.0.1:9/local', events: ['message.status'] });
    expect(second.status).toBe(201);
    expect(second.body.secret).not.toBe(created.body.secret);

    const listed = await stack.webhooksRest('GET', hooks(app.id));
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((e: WebhookEndpoint) => e.id)).toEqual([created.body.id, second.body.id]);
    for (const endpoint of listed.body.data) {
      expect(endpoint).not.toHaveProperty('secret');
      expect(WebhookEndpoint.strict().parse(endpoint)).toEqual(endpoint);
    }
    expect((await stack.webhooksRest('GET', hooks(other.id))).body).toEqual({ data: [] });
    // The secret never reaches the logs.
    expect(stack.webhooks!.logs()).not.toContain(created.body.secret);

    // Another app's id does not reach this app's endpoint.
    expect((await stack.webhooksRest('DELETE', hook(other.id, created.body.id))).status).toBe(404);
    expect((await stack.webhooksRest('DELETE', hook(app.id, created.body.id))).status).toBe(204);
    const again = await stack.webhooksRest('DELETE', hook(app.id, created.body.id));
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    expect((await stack.webhooksRest('GET', hooks(app.id))).body.data.map((e: WebhookEndpoint) => e.id)).toEqual([second.body.id]);
    expect((await stack.webhooksRest('DELETE', hook(app.id, second.body.id))).status).toBe(204);
  });

  it('endpoints - operator token: missing 401 MISSING_PARAMS, wrong 401 INVALID_CREDENTIALS; an unknown app 404; nothing written', async () => {
    const missing = await stack.webhooksRest('GET', hooks(app.id), undefined, {});
    expect([missing.status, missing.body.error.code]).toEqual([401, 'MISSING_PARAMS']);
    const wrong = await stack.webhooksRest('POST', hooks(app.id), { url: 'https://a.example.com', events: ['message.created'] }, { Authorization: 'Bearer not-the-operator-token' });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    const unknown = await stack.webhooksRest('POST', hooks('app_doesnotexist'), { url: 'https://a.example.com', events: ['message.created'] });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await stack.webhooksRest('GET', hooks('app_doesnotexist'))).status).toBe(404);
    expect((await stack.webhooksRest('GET', hooks('not an id!'))).status).toBe(404);
    expect(await countRows(app.id)).toBe(0);
    expect(await countRows('app_doesnotexist')).toBe(0);
  });

  it('endpoints - bad bodies are 400 VALIDATION_FAILED naming the field, and change nothing', async () => {
    const bad: [unknown, string][] = [
      [{ url: 'not a url', events: ['message.created'] }, 'url'],
      [{ url: 'ftp://files.example.com/x', events: ['message.created'] }, 'url'],
      [{ url: 'https://user:pass@example.com/', events: ['message.created'] }, 'url'],
      [{ url: 'https://example.com/#frag', events: ['message.created'] }, 'url'],
      [{ url: `https://example.com/${'a'.repeat(WEBHOOKS.urlMaxChars)}`, events: ['message.created'] }, 'url'],
      [{ url: 'https://example.com/', events: ['message.deleted'] }, 'events'],
      [{ url: 'https://example.com/', events: [] }, 'events'],
      [{ url: 'https://example.com/', events: ['message.created', 'message.created'] }, 'events'],
      [{ url: 'https://example.com/', events: 'message.created' }, 'events'],
      [{ url: 'https://example.com/', events: ['message.created'], secret: 'whsec_mine' }, 'secret'],
      [{ events: ['message.created'] }, 'url'],
      [[], ''],
    ];
    for (const [body, field] of bad) {
      const response = await stack.webhooksRest('POST', hooks(app.id), body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      if (field) expect(JSON.stringify(response.body.error.fields), JSON.stringify(body)).toContain(field);
    }
    const raw = await fetch(new URL(hooks(app.id), stack.webhooks!.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' },
      body: '{"url": "https://example.com",',
    });
    expect(raw.status).toBe(400);
    expect(await countRows(app.id)).toBe(0);
  });

  it('endpoints - http:// is refused unless insecure targets are allowed', async () => {
    await expect(createEndpoint(db, app.id, { url: 'http://push.example.com/', events: ['message.created'] }, { allowInsecure: false })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'url', message: 'must be an https:// URL' }],
    });
    expect(await countRows(app.id)).toBe(0);
    const created = await createEndpoint(db, app.id, { url: 'https://push.example.com/', events: ['message.created'] }, { allowInsecure: false });
    expect(created.url).toBe('https://push.example.com/');
    expect((await stack.webhooksRest('DELETE', hook(app.id, created.id))).status).toBe(204);
  });

  it('endpoints - 1,000 creates for one app at once: exactly 20 exist, the rest are 400 VALIDATION_FAILED', async () => {
    const statuses: number[] = [];
    // 1,000 requests, 50 in flight at a time: the per-app limit holds under concurrency (an advisory lock per app).
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stack.webhooksRest('POST', hooks(other.id), { url: `https://hooks.example.com/${batch}/${i}`, events: ['message.created'] })),
      );
      for (const answer of answers) {
        statuses.push(answer.status);
        if (answer.status !== 201) expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      }
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(WEBHOOKS.maxEndpointsPerApp);
    expect(statuses.filter((s) => s === 400)).toHaveLength(1000 - WEBHOOKS.maxEndpointsPerApp);
    expect(await countRows(other.id)).toBe(WEBHOOKS.maxEndpointsPerApp);
    expect((await stack.webhooksRest('GET', hooks(other.id))).body.data).toHaveLength(WEBHOOKS.maxEndpointsPerApp);
    for (const endpoint of (await stack.webhooksRest('GET', hooks(other.id))).body.data) {
      expect((await stack.webhooksRest('DELETE', hook(other.id, endpoint.id))).status).toBe(204);
    }
  }, 120_000);

  it('probes - /healthz, /readyz with every dependency, /metrics with the service metrics; unknown paths 404, wrong methods 405', async () => {
    const base = stack.webhooks!.url;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { nats: 'ok', redis: 'ok', postgres: 'ok', self: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('switchboard_webhooks_endpoints{service="webhooks"}');
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    const unknown = await fetch(`${base}/v1/nothing`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const wrongMethod = await fetch(new URL(hooks(app.id), base), { method: 'PUT', headers: { Authorization: `Bearer ${stack.operatorToken}` } });
    expect(wrongMethod.status).toBe(405);
  });
});
