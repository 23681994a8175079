import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { appPath, WEBHOOK_PATHS, WebhookDeliveryPage, WebhookEndpointList } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { createPostgresDatabase, type PostgresDatabase } from '@switchboard/service-kit';
import { answerWith, startStack, startWebhookReceiver, waitFor, type Stack, type WebhookReceiver } from '@switchboard/testing';
import type { WebhooksDatabase } from '../src/db/schema.js';

/**
 * CONTRACT.md: `POST …/deliveries/:delivery_id/retry` → 202 "sends it again now" — on a disabled endpoint too; its
 * 2xx enables the endpoint again. On the real service process, its engine, and a local receiver.
 */
describe('webhooks manual retry on a disabled endpoint', () => {
  let stack: Stack;
  let database: PostgresDatabase<WebhooksDatabase>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // One retry 100 ms after the first attempt; info logs, to read the endpoint's log lines.
    stack = await startStack({ nodes: 0, webhooks: { env: { WEBHOOKS_RETRY_SCHEDULE: '100', LOG_LEVEL: 'info' } } });
    database = createPostgresDatabase<WebhooksDatabase>({ connectionString: stack.database.url, poolSize: 2, logger: createLogger({ service: 'test', level: 'silent' }) });
    receiver = await startWebhookReceiver({ answer: answerWith(500, 'down') });
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await database?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  it('retry - a disabled endpoint: the retry is attempted (a failure leaves it disabled, no schedule), a 2xx enables it again', async () => {
    const app = await stack.createApp('disabled-retry');
    const hooks = appPath(WEBHOOK_PATHS.webhooks, app.id);
    const created = await stack.webhooksRest('POST', hooks, { url: receiver.url, events: ['message.created'] });
    expect(created.status).toBe(201);
    const endpointId = created.body.id as string;
    const endpoint = async () => WebhookEndpointList.parse((await stack.webhooksRest('GET', hooks)).body).data.find((e) => e.id === endpointId)!;
    const deliveries = async () => WebhookDeliveryPage.parse((await stack.webhooksRest('GET', `${hooks}/${endpointId}/deliveries`)).body).data;
    const failingSince = async () =>
      (await database.db.selectFrom('webhooks.endpoints').select('failing_since').where('id', '=', endpointId).executeTakeFirstOrThrow()).failing_since;
    const requestsOf = (eventId: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === eventId).length;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1500)); // past the schedule and a poll

    // Failing for 25 h already (the 24 h are not waited for): the next failed attempt disables the endpoint.
    await database.db.updateTable('webhooks.endpoints').set({ failing_since: sql<Date>`now() - interval '25 hours'` }).where('id', '=', endpointId).execute();
    const conversation = await stack.openConversation(app, 'dev-retry');
    const message = await stack.agentSend(app, conversation.id, 'while it fails');
    await waitFor(async () => (await endpoint()).disabled, { message: 'the endpoint disabled', timeoutMs: 20_000 });
    expect(stack.webhooks!.logs()).toContain('endpoint disabled');
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ event_id: message.id, status: 'failed', attempts: 1, last_status_code: 500 });
    await settle();
    expect(requestsOf(message.id)).toBe(1);

    // Still failing: the retry is sent (one request, same webhook-id), the delivery is failed again, nothing follows.
    const retry = `${hooks}/${endpointId}/deliveries/${delivery!.id}/retry`;
    expect((await stack.webhooksRest('POST', retry)).status).toBe(202);
    await waitFor(() => requestsOf(message.id) === 2, { message: 'the retry sent to the disabled endpoint', timeoutMs: 20_000 });
    await waitFor(async () => (await deliveries())[0]?.attempts === 2, { message: 'the retry recorded', timeoutMs: 20_000 });
    expect((await deliveries())[0]).toMatchObject({ status: 'failed', attempts: 2, next_attempt_at: null });
    await settle();
    expect(requestsOf(message.id)).toBe(2);
    expect((await endpoint()).disabled).toBe(true);

    // The receiver is back: the retry's 2xx delivers it and enables the endpoint, with one log line.
    receiver.answer(answerWith(200));
    expect((await stack.webhooksRest('POST', retry)).status).toBe(202);
    await waitFor(async () => (await deliveries())[0]?.status === 'delivered', { message: 'delivered by the retry', timeoutMs: 20_000 });
    expect(requestsOf(message.id)).toBe(3);
    expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200 });
    expect((await endpoint()).disabled).toBe(false);
    expect(await failingSince()).toBeNull();
    expect(stack.webhooks!.logs().split('\n').filter((line) => line.includes('endpoint enabled again'))).toHaveLength(1);

    // Enabled again: new events are delivered.
    const next = await stack.agentSend(app, conversation.id, 'back again');
    await waitFor(() => requestsOf(next.id) === 1, { message: 'a new event delivered', timeoutMs: 20_000 });
  }, 120_000);
});
