import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { sleep, startNatsServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from '../../services/gateway/test/harness.js';

/**
 * Issue 12, item 3: two environments (each its own database, Redis keys, messages service and gateway) on ONE
 * nats-server. With the contract's fixed names they shared the `MESSAGES` stream and the `gateway-fanout` consumer,
 * so one environment's gateway took the other's events (a production socket got 9 of 12 messages). With
 * `NATS_PREFIX` each has its own stream, subjects and consumer, and every socket sees all of its own and nothing else.
 */
describe('e2e: two environments on one nats-server', () => {
  let nats: ServerProcess;
  const stacks: GatewayStack[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    for (const prefix of ['prod', 'staging']) {
      const env = { NATS_PREFIX: prefix };
      stacks.push(await startGatewayStack({ nats, messagesEnv: env, gatewayEnv: env }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const stack of stacks) await stack[Symbol.asyncDispose]();
    await nats?.[Symbol.asyncDispose]();
  });

  it('nats prefix - each environment\'s sockets get every message of their own and none of the other\'s', async () => {
    const envs = await Promise.all(
      stacks.map(async (stack, i) => {
        const app = await stack.createApp(`env-${i}`);
        const conversation = await stack.openConversation(app, 'device-1');
        const device = await stack.connected(stack.client(stack.nodes[0]!.url, app, 'device-1'));
        await device.waitFor('conversation:joined');
        const agent = await stack.connected(stack.admin(stack.nodes[0]!.url, app));
        return { stack, app, conversation, device, agent, sent: [] as string[] };
      }),
    );

    // Interleaved, as two live environments would write.
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
      const expected = [...env.sent].sort();
      for (const socket of [env.device, env.agent]) {
        await waitFor(() => ids(socket.of('message:new')).length >= expected.length, {
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

    // Each environment has its own stream and consumer; the contract's unprefixed ones were never made.
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const streams = (await jsm.streams.list().next()).map((s) => [s.config.name, s.config.subjects]);
      expect(streams.sort()).toEqual([
        ['prod_MESSAGES', ['prod.message.>']],
        ['staging_MESSAGES', ['staging.message.>']],
      ]);
      for (const prefix of ['prod', 'staging']) {
        const consumers = (await jsm.consumers.list(`${prefix}_MESSAGES`).next()).map((c) => c.name);
        expect(consumers).toEqual([`${prefix}_gateway-fanout`]);
        expect((await jsm.streams.info(`${prefix}_MESSAGES`)).state.messages).toBe(12);
      }
    } finally {
      await nc.close();
    }
  }, 90_000);
});
