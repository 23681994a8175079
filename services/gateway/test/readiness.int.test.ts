import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, MESSAGES_STREAM } from '@switchboard/protocol';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, sharedRedisUrl, sleep, startNatsServer, startServiceProcess, waitFor, type ServerProcess } from '@switchboard/testing';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('gateway readiness', () => {
  let nats: ServerProcess;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.[Symbol.asyncDispose]();
  });

  it('readiness - 503 until both shared consumers are attached, gateway-fanout and gateway-events (events before them would never reach clients)', async () => {
    // A messages service that is ready but has not created the stream yet: the node is alive but must not take clients.
    const messages = http.createServer((_req, res) => res.writeHead(200).end('{"status":"ready"}'));
    await new Promise<void>((resolve) => messages.listen(0, '127.0.0.1', resolve));
    const messagesUrl = `http://127.0.0.1:${(messages.address() as AddressInfo).port}`;
    await using node = await startServiceProcess({
      script: main,
      portVariable: 'GATEWAY_PORT',
      readyPath: '/healthz',
      env: { REDIS_URL: sharedRedisUrl(), NATS_URL: nats.url, MESSAGES_URL: messagesUrl, GATEWAY_HOST: '127.0.0.1', REDIS_KEY_PREFIX: `sbtest-ready-${process.pid}`, LOG_LEVEL: 'error' },
    });
    await sleep(500);
    const unready = await fetch(`${node.url}/readyz`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unready', checks: { redis: 'ok', nats: 'down', messages: 'ok', self: 'ok' } });

    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    // `MESSAGES` first: the fan-out consumer attaches, `gateway-events` cannot yet (conversation:updated and
    // revocations published now would be lost to this node), so the node stays unready.
    await jsm.streams.add({ name: MESSAGES_STREAM.name, subjects: [...MESSAGES_STREAM.subjects] });
    await waitFor(async () => (await jsm.consumers.info(MESSAGES_STREAM.name, 'gateway-fanout').catch(() => undefined)) !== undefined, {
      timeoutMs: 10_000,
      message: 'gateway-fanout attached',
    });
    await sleep(500);
    const halfAttached = await fetch(`${node.url}/readyz`);
    expect(halfAttached.status).toBe(503);
    expect(await halfAttached.json()).toEqual({ status: 'unready', checks: { redis: 'ok', nats: 'down', messages: 'ok', self: 'ok' } });

    await jsm.streams.add({ name: EVENTS_STREAM.name, subjects: [...EVENTS_STREAM.subjects] });
    await waitFor(async () => (await fetch(`${node.url}/readyz`)).status === 200, { timeoutMs: 10_000, message: 'ready once attached' });
    expect((await jsm.consumers.info(MESSAGES_STREAM.name, 'gateway-fanout')).config.durable_name).toBe('gateway-fanout');
    expect((await jsm.consumers.info(EVENTS_STREAM.name, 'gateway-events')).config.durable_name).toBe('gateway-events');
    await nc.close();
    messages.close();
  });

  afterAll(async () => {
    const redis = new Redis(sharedRedisUrl());
    await deleteKeysWithPrefix(redis, `sbtest-ready-${process.pid}`);
    await redis.quit();
  });
});
