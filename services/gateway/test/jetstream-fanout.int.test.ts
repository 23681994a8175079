import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '@switchboard/logger';
import { FANOUT_CONSUMER, MESSAGES_STREAM, natsNames } from '@switchboard/protocol';
import { sleep, startNatsServer, startNatsStatusFilter, waitFor, type NatsStatusFilter, type ServerProcess } from '@switchboard/testing';
import { createJetStreamFanout, FANOUT_PACE_MS, FANOUT_PULL_EXPIRES_MS, FANOUT_RETRY_DELAY_MS } from '../src/fanout/jetstream-fanout.js';
import type { FanoutSource } from '../src/fanout/fanout-handler.js';

// The shared fan-out consumer against a private nats-server, without a gateway around it: what reaches `handle`, and when.

let nats: ServerProcess;
let publisher: NatsConnection;
const logger = createLogger({ service: 'test', level: 'silent' });
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  nats = await startNatsServer();
  publisher = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(publisher);
  await jsm.streams.add({ name: MESSAGES_STREAM.name, subjects: [...MESSAGES_STREAM.subjects] });
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  // Each test starts from a fresh consumer (it delivers only what is published after it exists).
  const jsm = await jetstreamManager(publisher);
  await jsm.consumers.delete(MESSAGES_STREAM.name, FANOUT_CONSUMER).catch(() => undefined);
});
afterAll(async () => {
  await publisher?.close();
  await nats?.stop();
});

interface Received {
  readonly n: number;
  readonly latencyMs: number;
  readonly by: string;
}

/** A fan-out source on its own connection (through `url`), recording every event it is handed. */
async function startNode(name: string, url: string, received: Received[], paceMs: number): Promise<FanoutSource> {
  const nc = await connect({ servers: url, name });
  const fanout = createJetStreamFanout({
    nc,
    logger,
    names: natsNames(),
    canEmit: () => true,
    retryDelayMs: FANOUT_RETRY_DELAY_MS,
    pullExpiresMs: FANOUT_PULL_EXPIRES_MS,
    paceMs,
  });
  fanout.start((_subject, data) => {
    const event = data as { n: number; at: number };
    received.push({ n: event.n, latencyMs: Date.now() - event.at, by: name });
    return 'emitted';
  });
  cleanup.push(async () => {
    await fanout.stop();
    await nc.close();
  });
  await waitFor(() => fanout.ready(), { timeoutMs: 10_000, message: 'the fan-out source attached' });
  expect(fanout.ready()).toBe(true);
  return fanout;
}

/** Publishes `count` events `everyMs` apart, each carrying its number and when it was sent. */
async function publishSteadily(count: number, everyMs: number, first = 0): Promise<void> {
  const js = jetstream(publisher);
  for (let i = 0; i < count; i++) {
    await js.publish('message.created', JSON.stringify({ n: first + i, at: Date.now() }));
    await sleep(everyMs);
  }
}

const waitForCount = (received: Received[], count: number) =>
  waitFor(() => received.length >= count, { timeoutMs: 15_000, message: `${count} events handled` });

// The gateway's way (paced pulls while events flow) and event by event (the `EVENTS` consumer's).
describe.each([
  ['paced', FANOUT_PACE_MS],
  ['event by event', 0],
])('JetStream fan-out source, %s', (_label, paceMs) => {
  it('fan-out pull - when the server expires pulls without their 408, events still arrive promptly', async () => {
    // Every pull of this node ends silently: only the source's own deadline can tell it is over.
    const filter: NatsStatusFilter = await startNatsStatusFilter(nats.port, (code) => code === 408);
    cleanup.push(() => filter.close());
    const received: Received[] = [];
    await startNode('silent-expiry', filter.url, received, paceMs);

    // 5 s at 50 events/s: each of the two pull loops sees four or five silent expiries.
    await publishSteadily(250, 20);
    await waitForCount(received, 250);

    expect(received.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    // Waiting for nats.js's missed heartbeats instead held events for up to 1 s (a pull lives 1 s): 996 ms measured with the deadline taken out.
    const worst = Math.max(...received.map((r) => r.latencyMs));
    expect(worst).toBeLessThan(700);
    expect(filter.dropped.get(408) ?? 0).toBeGreaterThanOrEqual(6);
  });

  it('fan-out stop - a stopping node finishes its pulls: another node gets the rest at once, nothing waits for the ack timeout', async () => {
    const received: Received[] = [];
    const first = await startNode('first', nats.url, received, paceMs);
    const publishing = publishSteadily(150, 20);
    await sleep(1000);
    const stopping = Date.now();
    await first.stop();
    const stopMs = Date.now() - stopping;
    await startNode('second', nats.url, received, paceMs);
    await publishing;
    await waitForCount(received, 150);

    expect(received.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(new Set(received.map((r) => r.by))).toEqual(new Set(['first', 'second']));
    // A pull lives 1 s plus its 250 ms grace; a dropped event would come back only after the 10 s ack wait.
    expect(stopMs).toBeLessThan(2000);
    expect(Math.max(...received.map((r) => r.latencyMs))).toBeLessThan(5000);
  });

  it('fan-out flow - 2,000 events at ~1,000/s each arrive once, promptly', async () => {
    const received: Received[] = [];
    await startNode('flow', nats.url, received, paceMs);
    const js = jetstream(publisher);
    const publishes: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      publishes.push(js.publish('message.created', JSON.stringify({ n: 10_000 + i, at: Date.now() })));
      if (i % 10 === 9) await sleep(10);
    }
    await Promise.all(publishes);
    await waitFor(() => received.length >= 2000, { timeoutMs: 15_000, message: '2000 events handled' });
    await sleep(200);
    expect(received.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => 10_000 + i));
  });
});
