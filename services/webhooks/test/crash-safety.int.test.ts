import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPath, WEBHOOK_PATHS } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { createPostgresDatabase, type PostgresDatabase } from '@switchboard/service-kit';
import { startStack, startWebhookReceiver, waitFor, type Stack, type WebhookReceiver } from '@switchboard/testing';
import type { WebhooksDatabase } from '../src/db/schema.js';
import { WEBHOOKS_ACK_WAIT_MS } from '../src/delivery/jetstream-source.js';
import { LEASE_MS } from '../src/delivery/dispatcher.js';

let stack: Stack;
let database: PostgresDatabase<WebhooksDatabase>;
let receiver: WebhookReceiver;

beforeAll(async () => {
  stack = await startStack({ nodes: 0, webhooks: true });
  database = createPostgresDatabase<WebhooksDatabase>({ connectionString: stack.database.url, poolSize: 2, logger: createLogger({ service: 'test', level: 'silent' }) });
  // Each answer takes a moment, so attempts are in flight when the process dies.
  receiver = await startWebhookReceiver({ answer: (_request, response) => setTimeout(() => response.writeHead(200).end(), 20) });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await database?.close();
  await stack?.[Symbol.asyncDispose]();
});

describe('webhooks crash safety', () => {
  it('crash - kill -9 of the webhooks service mid-burst: every event is delivered at least once, with its one webhook-id, none dropped', async () => {
    const app = await stack.createApp('crash');
    const created = await stack.webhooksRest('POST', appPath(WEBHOOK_PATHS.webhooks, app.id), { url: receiver.url, events: ['message.created'] });
    expect(created.status).toBe(201);
    const endpointId = created.body.id as string;
    const conversation = await stack.openConversation(app, 'dev-crash');

    const total = 300;
    const sent: string[] = [];
    const burst = (async () => {
      for (let i = 0; i < total; i++) sent.push((await stack.agentSend(app, conversation.id, `burst ${i}`)).id);
    })();
    await waitFor(() => receiver.requests.length >= 40, { message: 'the burst is being delivered', timeoutMs: 30_000 });
    const killed = stack.webhooks!;
    killed.signal('SIGKILL');
    expect(await killed.exited).toBeNull(); // killed by the signal, not an exit
    const beforeKill = receiver.requests.length;
    const sentBeforeKill = sent.length;
    await burst;
    expect(sentBeforeKill).toBeLessThan(total); // the kill came mid-burst
    await stack.restartWebhooks();

    const ids = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
    // Events the dead process held unacked come back after the ack wait; deliveries it had claimed, after their lease.
    await waitFor(() => sent.every((id) => ids().has(id)), {
      message: 'every event delivered',
      timeoutMs: Math.max(WEBHOOKS_ACK_WAIT_MS, LEASE_MS) + 30_000,
      intervalMs: 200,
    });
    expect(ids().size).toBe(total);
    expect(new Set(sent).size).toBe(total);
    // The webhook-id is the event's id, in the header and the body, on every copy (a duplicate included).
    expect(receiver.requests.every((r) => (JSON.parse(r.body) as { id: string }).id === r.headers['webhook-id'])).toBe(true);
    const delivered = async () =>
      (await database.db.selectFrom('webhooks.deliveries').select(['event_id']).where('endpoint_id', '=', endpointId).where('status', '=', 'delivered').execute()).length;
    await waitFor(async () => (await delivered()) === total, { message: 'every delivery row delivered', timeoutMs: 30_000 });
    const rows = await database.db.selectFrom('webhooks.deliveries').select('id').where('endpoint_id', '=', endpointId).execute();
    expect(rows).toHaveLength(total);
    process.stdout.write(
      `crash test: ${total} events, ${sentBeforeKill} sent and ${beforeKill} requests before the kill, ${receiver.requests.length} requests in all (${receiver.requests.length - total} duplicates)\n`,
    );
  }, 180_000);
});
