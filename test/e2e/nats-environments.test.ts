import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { sleep, startNatsServer, startStack, waitFor, type ServerProcess, type Stack } from '@switchboard/testing';

/**
 * Issue 12, item 3: two environments (each its own database, Redis keys, messages service and gateway) on ONE
 * nats-server. With the contract's fixed names they shared the `MESSAGES` stream and the `gateway-fanout` consumer,
 * so one environment's gateway took the other's events (a production socket got 9 of 12 messages). With
 * `NATS_PREFIX` each has its own stream, subjects and consumer, and every socket sees all of its own and nothing else.
 */
interface Environment {
  readonly stack: Stack;
  /** How to reach this environment's NATS as it does, and the stream and consumer it should have made there. */
  readonly natsUrl: { servers: string; user?: string; pass?: string };
  readonly stream: string;
  readonly subjects: string[];
  readonly consumer: string;
}

/** Twelve messages written in each environment, interleaved; each socket must see exactly its own twelve. */
async function expectIsolated(environments: readonly Environment[]) {
  const envs = await Promise.all(
    environments.map(async (environment, i) => {
      const { stack } = environment;
      const app = await stack.createApp(`env-${i}`);
      const conversation = await stack.openConversation(app, 'device-1');
      const device = await stack.connected(stack.client(stack.nodes[0]!.url, app, 'device-1'));
      await device.waitFor('conversation:joined');
      const agent = await stack.connected(stack.admin(stack.nodes[0]!.url, app));
      return { ...environment, app, conversation, device, agent, sent: [] as string[] };
    }),
  );

  for (let n = 0; n < 12; n++) {
    for (const env of envs) {
      const response = await env.stack.rest(
        'POST',
        `/v1/conversations/${env.conversation.id}/messages`,
        { 'X-App-Id': env.app.id, 'X-Device-Id': 'device-1', 'X-Api-Key': env.app.api_key },
        { body: `message ${n}`, local_id: `local-${n}` },
      );
      expect(response.status).toBe(201);
      env.sent.push(response.body.id);
    }
  }

  const ids = (events: any[]) => [...new Set(events.map((m) => m.id as string))].sort();
  for (const env of envs) {
    for (const socket of [env.device, env.agent]) {
      await waitFor(() => ids(socket.of('message:new')).length >= env.sent.length, {
        timeoutMs: 15_000,
        message: `12 messages on ${env.app.name}; got ${ids(socket.of('message:new')).length}`,
      });
    }
  }
  await sleep(300); // anything stray from the other environment would have arrived by now
  for (const env of envs) {
    const expected = [...env.sent].sort();
    expect(ids(env.device.of('message:new'))).toEqual(expected);
    expect(ids(env.agent.of('message:new'))).toEqual(expected);
  }

  // Each environment sees only its own stream (with its own subjects) and consumer, holding only its own events.
  for (const env of envs) {
    const nc = await connect(env.natsUrl);
    try {
      const jsm = await jetstreamManager(nc);
      const streams = (await jsm.streams.list().next()).map((s) => s.config);
      const mine = streams.find((s) => s.name === env.stream);
      expect(mine?.subjects).toEqual(env.subjects);
      expect((await jsm.consumers.list(env.stream).next()).map((c) => c.name)).toEqual([env.consumer]);
      expect((await jsm.streams.info(env.stream)).state.messages).toBe(12);
    } finally {
      await nc.close();
    }
  }
}

describe('e2e: two environments on one nats-server', () => {
  const disposables: AsyncDisposable[] = [];
  afterAll(async () => {
    for (const d of disposables.reverse()) await d[Symbol.asyncDispose]();
  });

  it('nats prefix - each environment\'s sockets get every message of their own and none of the other\'s', async () => {
    const nats = await startNatsServer();
    disposables.push(nats);
    const environments: Environment[] = [];
    for (const prefix of ['prod', 'staging']) {
      const env = { NATS_PREFIX: prefix };
      const stack = await startStack({ nats, messagesEnv: env, gatewayEnv: env });
      disposables.push(stack);
      environments.push({
        stack,
        natsUrl: { servers: nats.url },
        stream: `${prefix}_MESSAGES`,
        subjects: [`${prefix}.message.>`],
        consumer: `${prefix}_gateway-fanout`,
      });
    }
    await expectIsolated(environments);
    // The contract's unprefixed names were never made: each environment has its own two streams.
    const nc = await connect({ servers: nats.url });
    const names = (await (await jetstreamManager(nc)).streams.names().next()).sort();
    await nc.close();
    expect(names).toEqual(['prod_EVENTS', 'prod_MESSAGES', 'staging_EVENTS', 'staging_MESSAGES']);
  }, 90_000);

  it('nats accounts - one account per environment (docs/environments.md\'s config) isolates them with the contract\'s names', async () => {
    // The server configuration of docs/environments.md, with the passwords written in.
    const passwords = { prod: randomBytes(8).toString('hex'), staging: randomBytes(8).toString('hex') };
    const configFile = path.join(tmpdir(), `sb-nats-accounts-${randomBytes(4).toString('hex')}.conf`);
    await writeFile(
      configFile,
      `accounts {
  PRODUCTION: {
    jetstream: enabled
    users: [ { user: switchboard-prod, password: "${passwords.prod}" } ]
  }
  STAGING: {
    jetstream: { max_mem: 64M, max_file: 1G }
    users: [ { user: switchboard-staging, password: "${passwords.staging}" } ]
  }
}
`,
    );
    disposables.push({ [Symbol.asyncDispose]: () => rm(configFile, { force: true }) });
    const nats = await startNatsServer({ configFile });
    disposables.push(nats);
    const environments: Environment[] = [];
    for (const name of ['prod', 'staging'] as const) {
      const user = `switchboard-${name}`;
      const stack = await startStack({ nats, natsUrl: `nats://${user}:${passwords[name]}@127.0.0.1:${nats.port}` });
      disposables.push(stack);
      environments.push({
        stack,
        natsUrl: { servers: nats.url, user, pass: passwords[name] },
        stream: 'MESSAGES',
        subjects: ['message.>'],
        consumer: 'gateway-fanout',
      });
    }
    await expectIsolated(environments);
  }, 90_000);
});
