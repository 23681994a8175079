import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { sleep, waitFor } from '@switchboard/testing';
import type { CreatedApp, WebhookBody } from '@switchboard/protocol';
import { WEBHOOK_METRICS } from '../src/delivery/delivery-engine.js';
import { createRetentionJanitor } from '../src/delivery/retention-janitor.js';
import { createLogger } from '@switchboard/logger';
import { answerOk, startReceiver, type Receiver } from './support/receiver.js';
import { addEndpoint, deliveriesOf, retryNow, startEngineHarness, type EngineHarness } from './support/engine-harness.js';

let h: EngineHarness;
let app: CreatedApp;
const receivers: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};
const bodyOf = (r: Receiver, i: number) => JSON.parse(r.received[i]!.body) as WebhookBody;
const userSend = (conversationId: string, deviceId: string, body: string) =>
  h.stack.rest(
    'POST',
    `/v1/conversations/${conversationId}/messages`,
    { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key },
    { body, local_id: `l-${Math.random().toString(16).slice(2)}` },
  );

beforeAll(async () => {
  h = await startEngineHarness();
});

// Each test has an app of its own, so no endpoint of another test hears its events.
beforeEach(async () => {
  app = await h.stack.createApp('webhooks');
});

afterAll(async () => {
  for (const r of receivers) await r[Symbol.asyncDispose]();
  await h?.[Symbol.asyncDispose]();
});

describe('webhooks delivery engine (real Postgres, NATS, messages service)', () => {
  it('delivery - a message reaches the endpoint once, in the contract shape, signed (verified with standardwebhooks)', async () => {
    const r = await receiver();
    const endpoint = await addEndpoint(h.db, app.id, r.url, ['message.created']);
    const conversation = await h.stack.openConversation(app, 'dev-shape');
    const message = await h.stack.agentSend(app, conversation.id, 'hello from the agent');
    await waitFor(() => r.received.length >= 1, { message: 'a delivery' });
    await sleep(300);
    expect(r.received).toHaveLength(1);
    const { headers, body } = r.received[0]!;
    const verified = new Webhook(endpoint.secret).verify(body, {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    }) as WebhookBody<'message.created'>;
    expect(headers['webhook-id']).toBe(message.id);
    expect(headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(verified).toEqual({
      id: message.id,
      type: 'message.created',
      created_at: message.created_at,
      app_id: app.id,
      data: { ...message, recipient_online: false },
    });
    // Another secret does not verify it.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(body, headers as Record<string, string>)).toThrow();
    await waitFor(async () => (await deliveriesOf(h.db, endpoint.id))[0]?.status === 'delivered', { message: 'recorded delivered' });
    const [row] = await deliveriesOf(h.db, endpoint.id);
    expect(row).toMatchObject({ event_id: message.id, status: 'delivered', attempts: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
  });

  it('delivery - recipient_online says whether the other side had an open socket, both ways', async () => {
    const r = await receiver();
    await addEndpoint(h.db, app.id, r.url, ['message.created']);
    const conversation = await h.stack.openConversation(app, 'dev-online');

    h.presence.devices.add(`${app.id}/dev-online`);
    await h.stack.agentSend(app, conversation.id, 'agent → online device');
    await waitFor(() => r.received.length >= 1, { message: 'first' });
    h.presence.devices.delete(`${app.id}/dev-online`);
    await h.stack.agentSend(app, conversation.id, 'agent → offline device');
    await waitFor(() => r.received.length >= 2, { message: 'second' });

    h.presence.agentApps.add(app.id);
    expect((await userSend(conversation.id, 'dev-online', 'user → online agents')).status).toBe(201);
    await waitFor(() => r.received.length >= 3, { message: 'third' });
    h.presence.agentApps.delete(app.id);
    expect((await userSend(conversation.id, 'dev-online', 'user → no agent')).status).toBe(201);
    await waitFor(() => r.received.length >= 4, { message: 'fourth' });

    const seen = r.received.map((_, i) => bodyOf(r, i) as WebhookBody<'message.created'>);
    expect(seen.map((b) => [b.data.body, b.data.recipient_online])).toEqual([
      ['agent → online device', true],
      ['agent → offline device', false],
      ['user → online agents', true],
      ['user → no agent', false],
    ]);
  });

  it('delivery - an endpoint gets only the event types it asked for; conversation.updated carries { app_id, conversation }', async () => {
    const messagesOnly = await receiver();
    const updatesOnly = await receiver();
    await addEndpoint(h.db, app.id, messagesOnly.url, ['message.created']);
    await addEndpoint(h.db, app.id, updatesOnly.url, ['conversation.updated']);
    const conversation = await h.stack.openConversation(app, 'dev-filter');
    const message = await h.stack.agentSend(app, conversation.id, 'filtered');
    const patched = await h.stack.rest('PATCH', `/v1/conversations/${conversation.id}`, { Authorization: `Bearer ${app.admin_token}` }, { status: 'closed' });
    expect(patched.status).toBe(200);
    await waitFor(() => messagesOnly.received.length >= 1 && updatesOnly.received.length >= 1, { message: 'both endpoints' });
    await sleep(500);
    expect(messagesOnly.received.map((_, i) => bodyOf(messagesOnly, i).type)).toEqual(['message.created']);
    expect(bodyOf(messagesOnly, 0).id).toBe(message.id);
    expect(updatesOnly.received).toHaveLength(1);
    const update = bodyOf(updatesOnly, 0) as WebhookBody<'conversation.updated'>;
    expect(update.type).toBe('conversation.updated');
    expect(Object.keys(update.data).sort()).toEqual(['app_id', 'conversation']);
    expect(update.data.conversation).toMatchObject({ id: conversation.id, status: 'closed' });
    expect(update.created_at).toBe(update.data.conversation.updated_at);
  });

  it('retries - failed attempts are retried on the schedule with the same webhook-id and body, then delivered', async () => {
    const r = await receiver((_req, res, n) => (n < 2 ? res.writeHead(503).end('busy') : res.writeHead(204).end()));
    const endpoint = await addEndpoint(h.db, app.id, r.url, ['message.created']);
    const conversation = await h.stack.openConversation(app, 'dev-retry');
    const message = await h.stack.agentSend(app, conversation.id, 'retry me');
    await waitFor(() => r.received.length >= 3, { message: 'three attempts' });
    await waitFor(async () => (await deliveriesOf(h.db, endpoint.id))[0]?.status === 'delivered', { message: 'delivered' });
    expect(r.received.map((q) => q.headers['webhook-id'])).toEqual([message.id, message.id, message.id]);
    expect(new Set(r.received.map((q) => q.body)).size).toBe(1);
    // 200 ms and 400 ms (± 20 % jitter) apart.
    const gaps = [r.received[1]!.at - r.received[0]!.at, r.received[2]!.at - r.received[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(150);
    expect(gaps[1]).toBeGreaterThanOrEqual(300);
    const [row] = await deliveriesOf(h.db, endpoint.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 204, last_error: null });
    const endpointRow = await h.db.selectFrom('webhooks.endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(endpointRow.failing_since).toBeNull();
  });

  it('retries - after the last try the delivery is failed (with the answer in last_error), and a manual retry sends it again', async () => {
    let healthy = false;
    const r = await receiver((_req, res) => (healthy ? answerOk(_req, res, 0) : res.writeHead(500).end('database exploded')));
    const endpoint = await addEndpoint(h.db, app.id, r.url, ['message.created']);
    const conversation = await h.stack.openConversation(app, 'dev-failed');
    const message = await h.stack.agentSend(app, conversation.id, 'doomed');
    await waitFor(async () => (await deliveriesOf(h.db, endpoint.id))[0]?.status === 'failed', { message: 'failed' });
    const [failed] = await deliveriesOf(h.db, endpoint.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, last_status_code: 500, last_error: 'HTTP 500: database exploded', next_attempt_at: null });
    expect(r.received).toHaveLength(3);
    const endpointRow = await h.db.selectFrom('webhooks.endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(endpointRow.failing_since).not.toBeNull();
    expect(endpointRow.disabled).toBe(false);

    healthy = true;
    await retryNow(h.db, failed!.id);
    h.engine.wake();
    await waitFor(async () => (await deliveriesOf(h.db, endpoint.id))[0]?.status === 'delivered', { message: 'delivered after the manual retry' });
    expect(r.received).toHaveLength(4);
    expect(r.received[3]!.headers['webhook-id']).toBe(message.id);
  });

  it('isolation - a fast endpoint gets its 20 events while a slow one is stuck', async () => {
    const held: (() => void)[] = [];
    const slow = await receiver((_req, res) => held.push(() => res.writeHead(200).end()));
    const fast = await receiver();
    const slowEndpoint = await addEndpoint(h.db, app.id, slow.url, ['message.created']);
    await addEndpoint(h.db, app.id, fast.url, ['message.created']);
    const conversation = await h.stack.openConversation(app, 'dev-isolation');
    const started = Date.now();
    for (let i = 0; i < 20; i++) await h.stack.agentSend(app, conversation.id, `burst ${i}`);
    await waitFor(() => fast.received.length >= 20, { message: 'the fast endpoint got all 20', timeoutMs: 8000 });
    const fastTookMs = Date.now() - started;
    // The slow endpoint holds only its own slots (4), all unanswered.
    expect(slow.received.length).toBeLessThanOrEqual(4);
    expect(held.length).toBe(slow.received.length);
    expect(fastTookMs).toBeLessThan(8000);
    const pending = (await deliveriesOf(h.db, slowEndpoint.id)).filter((d) => d.status === 'pending');
    expect(pending).toHaveLength(20);
    // Released, the slow endpoint gets the rest.
    for (;;) {
      held.splice(0).forEach((release) => release());
      if (slow.received.length >= 20) break;
      await sleep(50);
    }
    await waitFor(async () => (await deliveriesOf(h.db, slowEndpoint.id)).every((d) => d.status === 'delivered'), { message: 'slow endpoint drained' });
  });

  it('disable - an endpoint failing for 24 h is disabled at its next failure; its pending deliveries fail and nothing more is sent', async () => {
    const r = await receiver((_req, res) => res.writeHead(500).end());
    const endpoint = await addEndpoint(h.db, app.id, r.url, ['message.created']);
    await h.db
      .updateTable('webhooks.endpoints')
      .set({ failing_since: new Date(Date.now() - 24 * 3600_000 - 60_000) })
      .where('id', '=', endpoint.id)
      .execute();
    const conversation = await h.stack.openConversation(app, 'dev-disable');
    await h.stack.agentSend(app, conversation.id, 'to a dead endpoint');
    await waitFor(async () => (await h.db.selectFrom('webhooks.endpoints').select('disabled').where('id', '=', endpoint.id).executeTakeFirst())?.disabled, {
      message: 'disabled',
    });
    const [row] = await deliveriesOf(h.db, endpoint.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 500 });
    await h.stack.agentSend(app, conversation.id, 'after the disable');
    await sleep(800);
    expect(r.received).toHaveLength(1);
    expect(await deliveriesOf(h.db, endpoint.id)).toHaveLength(1);
  });

  it('retention - finished deliveries older than 7 days go, then events nothing refers to; pending ones stay', async () => {
    const r = await receiver();
    const endpoint = await addEndpoint(h.db, app.id, r.url, ['message.created']);
    const old = new Date(Date.now() - 8 * 24 * 3600_000);
    const event = (id: string) => ({ id, app_id: app.id, type: 'message.created' as const, payload: '{}', created_at: old });
    await h.db.insertInto('webhooks.events').values([event(`evt_old_a_${app.id}`), event(`evt_old_b_${app.id}`), event(`evt_orphan_${app.id}`)]).execute();
    const delivery = (id: string, event_id: string, status: 'delivered' | 'failed' | 'pending') => ({ id, endpoint_id: endpoint.id, event_id, status, created_at: old });
    await h.db
      .insertInto('webhooks.deliveries')
      .values([
        { ...delivery(`dlv_old_done_${app.id}`, `evt_old_a_${app.id}`, 'delivered') },
        { ...delivery(`dlv_old_pending_${app.id}`, `evt_old_b_${app.id}`, 'pending'), next_attempt_at: new Date(Date.now() + 3600_000) },
      ] as never)
      .execute();
    const janitor = createRetentionJanitor({ db: h.db, logger: createLogger({ service: 'test', level: 'silent' }), now: Date.now });
    const removed = await janitor.sweep();
    expect(removed.deliveries).toBeGreaterThanOrEqual(1);
    const left = await deliveriesOf(h.db, endpoint.id);
    expect(left.map((d) => d.id)).toEqual([`dlv_old_pending_${app.id}`]);
    const events = await h.db.selectFrom('webhooks.events').select('id').where('app_id', '=', app.id).orderBy('id').execute();
    expect(events.map((e) => e.id)).toEqual([`evt_old_b_${app.id}`]);
  });

  it('metrics - attempts, ingested events and the backlog gauges are exported', async () => {
    const text = await h.metrics.metrics();
    expect(text).toMatch(new RegExp(`${WEBHOOK_METRICS.attempts}\\{type="message.created",outcome="delivered"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`${WEBHOOK_METRICS.attempts}\\{type="message.created",outcome="retry"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`${WEBHOOK_METRICS.attempts}\\{type="message.created",outcome="failed"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`${WEBHOOK_METRICS.eventsIngested}\\{type="conversation.updated"\\} [1-9]`));
    for (const name of [WEBHOOK_METRICS.backlog, WEBHOOK_METRICS.backlogAge, WEBHOOK_METRICS.endpointsDisabled, WEBHOOK_METRICS.attemptDuration]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    // The endpoint the disable test disabled.
    expect(text).toMatch(new RegExp(`${WEBHOOK_METRICS.endpointsDisabled} 1`));
  });
});
