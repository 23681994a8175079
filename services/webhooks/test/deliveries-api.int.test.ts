import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { appPath, WEBHOOK_PATHS, WebhookDeliveryPage, type CreatedApp, type WebhookDelivery } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { createPostgresDatabase, type PostgresDatabase } from '@switchboard/service-kit';
import { startStack, type Stack } from '@switchboard/testing';
import type { WebhooksDatabase } from '../src/db/schema.js';

const hooks = (appId: string) => appPath(WEBHOOK_PATHS.webhooks, appId);
const deliveriesOf = (appId: string, endpointId: string, query = '') => `${hooks(appId)}/${endpointId}/deliveries${query}`;
const retryOf = (appId: string, endpointId: string, deliveryId: string) => `${deliveriesOf(appId, endpointId)}/${deliveryId}/retry`;

describe('webhooks delivery log', () => {
  let stack: Stack;
  let app: CreatedApp;
  let other: CreatedApp;
  let database: PostgresDatabase<WebhooksDatabase>;
  let db: Kysely<WebhooksDatabase>;
  let endpointId: string;
  let otherEndpointId: string;
  /** The deliveries as written, newest first (the order of the log). */
  const written: { id: string; status: WebhookDelivery['status'] }[] = [];

  beforeAll(async () => {
    stack = await startStack({ nodes: 0, webhooks: true });
    app = await stack.createApp('log-app');
    other = await stack.createApp('log-other');
    database = createPostgresDatabase<WebhooksDatabase>({ connectionString: stack.database.url, poolSize: 2, logger: createLogger({ service: 'test', level: 'silent' }) });
    db = database.db;
    const create = async (appId: string) =>
      (await stack.webhooksRest('POST', hooks(appId), { url: 'https://push.example.com/', events: ['message.created', 'message.status'] })).body.id as string;
    endpointId = await create(app.id);
    otherEndpointId = await create(other.id);
    // Seven deliveries a second apart, the last two at the same time (the id breaks the tie); microseconds that a
    // JavaScript Date would drop, so a cursor compared outside the database would skip or repeat rows.
    const statuses: WebhookDelivery['status'][] = ['delivered', 'failed', 'pending', 'delivered', 'failed', 'delivered', 'pending'];
    for (const [i, status] of statuses.entries()) {
      const at = `2026-01-01T00:00:0${Math.min(i, 5)}.123456Z`;
      const eventId = `evt_test_${i}`;
      await db.insertInto('webhooks.events').values({ id: eventId, app_id: app.id, type: i % 2 ? 'message.status' : 'message.created', payload: JSON.stringify({ i }), created_at: at }).execute();
      await db
        .insertInto('webhooks.deliveries')
        .values({
          id: `dlv_test_${i}`,
          endpoint_id: endpointId,
          event_id: eventId,
          status,
          attempts: status === 'pending' ? 0 : 3,
          last_status_code: status === 'failed' ? 503 : status === 'delivered' ? 200 : null,
          last_error: status === 'failed' ? 'HTTP 503' : null,
          next_attempt_at: status === 'pending' ? at : null,
          created_at: at,
        })
        .execute();
      written.unshift({ id: `dlv_test_${i}`, status });
    }
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  const page = async (query: string, appId = app.id, endpoint = endpointId) => {
    const response = await stack.webhooksRest('GET', deliveriesOf(appId, endpoint, query));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return WebhookDeliveryPage.parse(response.body);
  };
  const walk = async (query: string) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const next: WebhookDeliveryPage = await page(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      ids.push(...next.data.map((d) => d.id));
      cursor = next.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    return { ids, pages };
  };

  it('deliveries - newest first in keyset pages, every one exactly once, next_cursor null on the last page', async () => {
    const all = await page('');
    expect(all.data.map((d) => d.id)).toEqual(written.map((d) => d.id));
    expect(all.next_cursor).toBeNull();
    expect(all.data.find((d) => d.id === 'dlv_test_1')).toEqual({
      id: 'dlv_test_1',
      event_id: 'evt_test_1',
      type: 'message.status',
      status: 'failed',
      attempts: 3,
      last_status_code: 503,
      last_error: 'HTTP 503',
      next_attempt_at: null,
      created_at: '2026-01-01T00:00:01.123Z',
    });
    const walked = await walk('?limit=2');
    expect(walked.ids).toEqual(written.map((d) => d.id));
    expect(walked.pages).toBe(4);
  });

  it('deliveries - status filter, paged too', async () => {
    for (const status of ['failed', 'pending', 'delivered'] as const) {
      const expected = written.filter((d) => d.status === status).map((d) => d.id);
      expect((await walk(`?status=${status}&limit=1`)).ids).toEqual(expected);
      const one = await page(`?status=${status}`);
      expect(one.data.every((d) => d.status === status)).toBe(true);
    }
  });

  it('deliveries - bad queries are 400, another app or endpoint is 404', async () => {
    for (const query of ['?status=lost', '?limit=0', '?limit=201', '?limit=x', '?cursor=%%%', '?cursor=ZGx2X25vbmU', '?unknown=1', '?status=failed&status=pending']) {
      const response = await stack.webhooksRest('GET', deliveriesOf(app.id, endpointId, query));
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
    // A cursor of one endpoint's log means nothing in another's.
    const first = await page('?limit=1');
    const foreign = await stack.webhooksRest('GET', deliveriesOf(other.id, otherEndpointId, `?cursor=${first.next_cursor}`));
    expect(foreign.status).toBe(400);
    expect((await stack.webhooksRest('GET', deliveriesOf(other.id, endpointId))).status).toBe(404);
    expect((await stack.webhooksRest('GET', deliveriesOf(app.id, 'whk_nope'))).status).toBe(404);
    expect((await page('', other.id, otherEndpointId)).data).toEqual([]);
  });

  it('deliveries - manual retry: 202, the delivery is pending and due now with its attempts kept; unknown ones 404', async () => {
    const before = Date.now();
    const response = await stack.webhooksRest('POST', retryOf(app.id, endpointId, 'dlv_test_1'));
    expect(response.status).toBe(202);
    const row = await db.selectFrom('webhooks.deliveries').selectAll().where('id', '=', 'dlv_test_1').executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.attempts).toBe(3);
    expect(row.next_attempt_at!.getTime()).toBeGreaterThan(before - 5000);
    expect(row.next_attempt_at!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const listed = (await page('?status=pending')).data.map((d) => d.id);
    expect(listed).toContain('dlv_test_1');

    for (const path of [retryOf(app.id, endpointId, 'dlv_nope'), retryOf(other.id, endpointId, 'dlv_test_0'), retryOf(other.id, otherEndpointId, 'dlv_test_0')]) {
      const refused = await stack.webhooksRest('POST', path);
      expect(refused.status, path).toBe(404);
      expect(refused.body.error.code).toBe('NOT_FOUND');
    }
    expect((await db.selectFrom('webhooks.deliveries').select('status').where('id', '=', 'dlv_test_0').executeTakeFirstOrThrow()).status).toBe('delivered');
    const unauthorised = await stack.webhooksRest('POST', retryOf(app.id, endpointId, 'dlv_test_4'), undefined, { Authorization: 'Bearer wrong-token-wrong-token' });
    expect(unauthorised.status).toBe(401);
    expect((await db.selectFrom('webhooks.deliveries').select('status').where('id', '=', 'dlv_test_4').executeTakeFirstOrThrow()).status).toBe('failed');
  });

  it('deliveries - deleting an endpoint deletes its log', async () => {
    expect((await stack.webhooksRest('DELETE', `${hooks(other.id)}/${otherEndpointId}`)).status).toBe(204);
    expect((await stack.webhooksRest('GET', deliveriesOf(other.id, otherEndpointId))).status).toBe(404);
  });
});
