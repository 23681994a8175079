import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, MESSAGES_STREAM } from '@switchboard/protocol';
import { Redis } from 'ioredis';
import {
  deleteKeysWithPrefix,
  freeStablePort,
  sharedRedisUrl,
  sleep,
  startNatsServer,
  startRedisServer,
  startServiceProcess,
  waitFor,
  type ServerProcess,
} from '@switchboard/testing';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const prefix = `sbtest-deps-${process.pid}`;

/** Stands in for the messages service's `/readyz` (the gateway probes it); on a given port, so it can come later. */
async function startReadyServer(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/readyz' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ready"}');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function createStream(nats: ServerProcess) {
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: MESSAGES_STREAM.name, subjects: [...MESSAGES_STREAM.subjects] });
  await jsm.streams.add({ name: EVENTS_STREAM.name, subjects: [...EVENTS_STREAM.subjects] });
  await nc.close();
}

async function readyz(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
}

const count = (logs: string, text: string) => logs.split('\n').filter((line) => line.includes(text)).length;

/** The node logged `text` exactly once (its logs reach the pipe a moment after what they describe). */
async function loggedOnce(node: { logs(): string }, text: string) {
  await waitFor(() => count(node.logs(), text) >= 1, { timeoutMs: 10_000, message: `logged: ${text}` });
  expect(count(node.logs(), text)).toBe(1);
}

function startGateway(env: Record<string, string>) {
  return startServiceProcess({
    script: main,
    portVariable: 'GATEWAY_PORT',
    // Alive and listening before its dependencies are: only /healthz answers 200.
    readyPath: '/healthz',
    env: { GATEWAY_HOST: '127.0.0.1', REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'info', ...env },
  });
}

describe('gateway dependencies', () => {
  afterAll(async () => {
    const redis = new Redis(sharedRedisUrl());
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('dependencies - Redis unreachable at start: listens, 503, logs once, ready when it comes, logs once when lost, never exits', async () => {
    await using nats = await startNatsServer();
    await createStream(nats);
    const messages = await startReadyServer();
    const redisPort = await freeStablePort();
    await using node = await startGateway({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, NATS_URL: nats.url, MESSAGES_URL: messages.url });

    expect(await readyz(node.url)).toEqual({ status: 503, body: { status: 'unready', checks: { redis: 'down', nats: 'ok', messages: 'ok', self: 'ok' } } });
    // ioredis gives up on queued commands after its retries (MaxRetriesPerRequestError): the node lives on.
    await sleep(3000);
    expect(node.running).toBe(true);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    await loggedOnce(node, 'waiting for redis');
    expect(node.logs()).toContain(`"target":"127.0.0.1:${redisPort}"`);
    expect(node.logs()).toContain('ECONNREFUSED');

    await using redis = await startRedisServer({ port: redisPort });
    await waitFor(async () => (await readyz(node.url)).status === 200, { timeoutMs: 15_000, message: 'ready once Redis is there' });
    expect((await readyz(node.url)).body).toEqual({ status: 'ready', checks: { redis: 'ok', nats: 'ok', messages: 'ok', self: 'ok' } });
    await loggedOnce(node, 'connected to redis');

    await redis.kill();
    await waitFor(async () => (await readyz(node.url)).body.checks.redis === 'down', { timeoutMs: 10_000, message: 'Redis down' });
    await sleep(3000);
    await loggedOnce(node, 'lost redis');
    expect(node.running).toBe(true);
    // Handled, not caught by the last-resort handler.
    expect(node.logs()).not.toContain('unhandled rejection');
    await messages.close();
  }, 60_000);

  it('dependencies - warns once at start when Redis keeps a lost peer\'s connection past 10 s (tcp-keepalive), not when it does not', async () => {
    await using nats = await startNatsServer();
    await createStream(nats);
    const messages = await startReadyServer();
    const warning = 'Redis tcp-keepalive is';
    await using longRedis = await startRedisServer({ config: { 'tcp-keepalive': '300' } });
    await using shortRedis = await startRedisServer({ config: { 'tcp-keepalive': '10' } });
    await using warned = await startGateway({ REDIS_URL: longRedis.url, NATS_URL: nats.url, MESSAGES_URL: messages.url });
    await using quiet = await startGateway({ REDIS_URL: shortRedis.url, NATS_URL: nats.url, MESSAGES_URL: messages.url });
    await loggedOnce(warned, warning);
    expect(warned.logs()).toContain('"tcp_keepalive":300');
    await loggedOnce(quiet, 'connected to redis');
    await waitFor(async () => (await readyz(quiet.url)).status === 200, { timeoutMs: 15_000, message: 'ready' });
    expect(count(quiet.logs(), warning)).toBe(0);
    await messages.close();
  }, 60_000);

  it('dependencies - NATS and the messages service unreachable at start: listens, 503, logs once each, ready when they come', async () => {
    const natsPort = await freeStablePort();
    const messagesPort = await freeStablePort();
    await using node = await startGateway({
      REDIS_URL: sharedRedisUrl(),
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      MESSAGES_URL: `http://127.0.0.1:${messagesPort}`,
    });
    expect(await readyz(node.url)).toEqual({ status: 503, body: { status: 'unready', checks: { redis: 'ok', nats: 'down', messages: 'down', self: 'ok' } } });
    await sleep(2000);
    await loggedOnce(node, 'waiting for nats');
    await loggedOnce(node, 'waiting for messages');
    expect(node.logs()).toContain(`"target":"nats://127.0.0.1:${natsPort}"`);
    expect(node.logs()).toContain(`"target":"127.0.0.1:${messagesPort}"`);

    await using nats = await startNatsServer({ port: natsPort });
    await createStream(nats);
    const messages = await startReadyServer(messagesPort);
    await waitFor(async () => (await readyz(node.url)).status === 200, { timeoutMs: 20_000, message: 'ready once NATS and messages are there' });
    await loggedOnce(node, 'connected to nats');
    await loggedOnce(node, 'connected to messages');

    await messages.close();
    await waitFor(async () => (await readyz(node.url)).body.checks.messages === 'down', { timeoutMs: 10_000, message: 'messages down' });
    await loggedOnce(node, 'lost messages');
    await nats.kill();
    await waitFor(async () => (await readyz(node.url)).body.checks.nats === 'down', { timeoutMs: 10_000, message: 'NATS down' });
    await loggedOnce(node, 'lost nats');
    // Retries are not logged again.
    await sleep(2000);
    expect(count(node.logs(), 'lost nats')).toBe(1);
    expect(count(node.logs(), 'lost messages')).toBe(1);
    expect(node.running).toBe(true);
  }, 60_000);
});
