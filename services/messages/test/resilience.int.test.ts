import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { CreatedApp } from '@switchboard/protocol';
import { postgresAdminUrl, waitFor } from '@switchboard/testing';
import { request, startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;
beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('resilience');
});
afterAll(async () => {
  await admin(`ALTER DATABASE "${h.database.name}" ALLOW_CONNECTIONS true`).catch(() => {});
  await h?.[Symbol.asyncDispose]();
});

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

describe('postgres outage', () => {
  it('outage - readyz turns 503 and the API answers 503 UNAVAILABLE; both recover when Postgres is back', async () => {
    const device = h.device(app, 'd');
    const c = (await device.post('/v1/conversations')).body;

    // Postgres refuses this database and drops every session to it (the service's pool and relay included).
    await admin(`ALTER DATABASE "${h.database.name}" ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${h.database.name}'`);

    await waitFor(async () => (await request(h.url, 'GET', '/readyz')).status === 503);
    expect((await request(h.url, 'GET', '/readyz')).body).toMatchObject({ status: 'unready', checks: { postgres: 'down', self: 'ok' } });
    expect((await request(h.url, 'GET', '/healthz')).status).toBe(200);
    const refused = await device.post(`/v1/conversations/${c.id}/messages`, { body: 'during outage', local_id: 'o1' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toEqual({ code: 'UNAVAILABLE', message: 'the service is unavailable, retry later' });
    expect(refused.headers.get('retry-after')).toBe('1');

    await admin(`ALTER DATABASE "${h.database.name}" ALLOW_CONNECTIONS true`);
    await waitFor(async () => (await request(h.url, 'GET', '/readyz')).status === 200);
    const sent = await device.post(`/v1/conversations/${c.id}/messages`, { body: 'after outage', local_id: 'o1' });
    expect(sent.status).toBe(201);
    expect(sent.body.seq).toBe(1);
    // The relay got its session back and publishes again.
    await waitFor(async () => (await h.count('outbox')) === 0, { timeoutMs: 10_000 });
  });
});
