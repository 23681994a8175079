import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { startStack, waitFor, type Stack } from '@switchboard/testing';
import type { WebhooksDatabase } from '../src/db/schema.js';
import { migrateWebhooks } from '../src/db/migrate.js';
import { WEBHOOKS_ACK_WAIT_MS } from '../src/delivery/jetstream-source.js';
import { LEASE_MS } from '../src/delivery/dispatcher.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { addEndpoint, deliveriesOf } from './support/engine-harness.js';

const script = fileURLToPath(new URL('./support/engine-process.mjs', import.meta.url));
let stack: Stack;
let db: Kysely<WebhooksDatabase>;
let receiver: Receiver;
const children: ChildProcess[] = [];

/** Starts an engine process and resolves once it printed "ready" (its consumers exist). */
const startEngineProcess = async () => {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: stack.database.url, NATS_URL: stack.natsUrl, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor(() => output.includes('ready') || child.exitCode !== null, { message: 'engine process ready', timeoutMs: 15_000 });
  if (!output.includes('ready')) throw new Error(`engine process failed: ${output}`);
  return child;
};

beforeAll(async () => {
  stack = await startStack({ nodes: 0 });
  const pool = new pg.Pool({ connectionString: stack.database.url, max: 4 });
  pool.on('error', () => {});
  db = new Kysely<WebhooksDatabase>({ dialect: new PostgresDialect({ pool }) });
  await migrateWebhooks(db);
  // Each answer takes a moment, so attempts are in flight when the process dies.
  receiver = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), 20));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await receiver?.[Symbol.asyncDispose]();
  await db?.destroy();
  await stack?.[Symbol.asyncDispose]();
});

describe('webhooks crash safety', () => {
  it('crash - kill -9 of the engine mid-burst: every event is delivered at least once, with its one webhook-id, none dropped', async () => {
    const app = await stack.createApp('crash');
    const endpoint = await addEndpoint(db, app.id, receiver.url, ['message.created']);
    const conversation = await stack.openConversation(app, 'dev-crash');
    const first = await startEngineProcess();

    const total = 300;
    const sent: string[] = [];
    const burst = (async () => {
      for (let i = 0; i < total; i++) sent.push((await stack.agentSend(app, conversation.id, `burst ${i}`)).id);
    })();
    await waitFor(() => receiver.received.length >= 40, { message: 'the burst is being delivered', timeoutMs: 20_000 });
    first.kill('SIGKILL');
    const deliveredBeforeKill = receiver.received.length;
    await burst;
    await startEngineProcess();

    const ids = () => new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
    // Held events come back after the ack wait, claimed deliveries after their lease.
    await waitFor(() => sent.every((id) => ids().has(id)), { message: 'every event delivered', timeoutMs: Math.max(WEBHOOKS_ACK_WAIT_MS, LEASE_MS) + 20_000, intervalMs: 200 });
    const received = receiver.received.map((r) => ({ id: String(r.headers['webhook-id']), body: JSON.parse(r.body) as { id: string } }));
    expect(ids().size).toBe(total);
    // The webhook-id is the event's id, in the header and the body, on every copy.
    expect(received.every((r) => r.body.id === r.id)).toBe(true);
    expect(new Set(sent).size).toBe(total);
    await waitFor(async () => (await deliveriesOf(db, endpoint.id)).filter((d) => d.status === 'delivered').length === total, { message: 'every row delivered' });
    const rows = await deliveriesOf(db, endpoint.id);
    expect(rows).toHaveLength(total);
    process.stdout.write(`crash test: ${total} events, ${deliveredBeforeKill} requests before the kill, ${receiver.received.length} requests in all (${receiver.received.length - total} duplicates)\n`);
  }, 120_000);
});
