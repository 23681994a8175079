import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { CreatedApp } from '@switchboard/protocol';
import { startRedisServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

/**
 * Two environments (each its own database, NATS and messages service, gateways with the same node ids) on one
 * Redis, told apart only by `REDIS_KEY_PREFIX` (the harness gives each stack its own).
 */
describe('REDIS_KEY_PREFIX', () => {
  let redis: ServerProcess;
  let one: GatewayStack;
  let two: GatewayStack;
  beforeAll(async () => {
    // A Redis of this test's own, so that every key in it can be accounted for.
    redis = await startRedisServer();
    [one, two] = await Promise.all([startGatewayStack({ nodes: 2, redis: redis.url }), startGatewayStack({ nodes: 1, redis: redis.url })]);
  }, 60_000);
  afterAll(async () => {
    await one?.[Symbol.asyncDispose]();
    await two?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  async function activity(stack: GatewayStack, app: CreatedApp, body: string) {
    const [a, b] = [stack.nodes[0]!.url, stack.nodes.at(-1)!.url];
    const conversation = await stack.openConversation(app, 'shared-device-name');
    const agent = await stack.connected(stack.admin(a, app));
    const device = await stack.connected(stack.client(b, app, 'shared-device-name'));
    await device.waitFor('conversation:joined');
    await agent.waitFor('presence:change');
    expect(await agent.socket.emitWithAck('message:send', { conversation_id: conversation.id, body, local_id: body.replace(' ', '-') })).toMatchObject({ success: true });
    await device.waitFor('message:new', 1, 10_000);
    return { agent, device };
  }

  it('redis prefix - two environments on one Redis: every key under its prefix, each sees only its own sessions and events', async () => {
    const [appOne, appTwo] = await Promise.all([one.createApp('one'), two.createApp('two')]);
    const [inOne, inTwo] = await Promise.all([activity(one, appOne, 'hello one'), activity(two, appTwo, 'hello two')]);
    // A dropped transport: the device comes back on a new connection, and the old one's session ends after the
    // presence grace (there is no connection state recovery: docs/scaling.md, interest-based fan-out).
    (inOne.device.socket.io as any).engine.close();
    (inTwo.device.socket.io as any).engine.close();
    await waitFor(() => inOne.device.socket.connected && inTwo.device.socket.connected, { timeoutMs: 10_000, message: 'reconnected' });

    const sessionsOne = async () =>
      (((await inOne.agent.socket.emitWithAck('sessions:list', { app_id: appOne.id })) as any).sessions as any[]).map((s) => s.connection_id);
    await waitFor(async () => JSON.stringify(await sessionsOne()) === JSON.stringify([inOne.device.socket.id]), {
      timeoutMs: 15_000,
      intervalMs: 250,
      message: "only the device's new connection listed once the old one's grace ended",
    });
    expect(inOne.device.of('message:new').map((m) => m.body)).toEqual(['hello one']);
    expect(inTwo.device.of('message:new').map((m) => m.body)).toEqual(['hello two']);
    expect(inOne.agent.of('session:connect').every((s) => s.app_id === appOne.id)).toBe(true);
    expect(inTwo.agent.of('session:connect').every((s) => s.app_id === appTwo.id)).toBe(true);

    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('*');
      const outside = keys.filter((k) => !k.startsWith(`${one.redisPrefix}:`) && !k.startsWith(`${two.redisPrefix}:`));
      expect(outside).toEqual([]);
      for (const prefix of [one.redisPrefix, two.redisPrefix]) {
        const mine = keys.filter((k) => k.startsWith(`${prefix}:`));
        // The presence and session registry, node liveness. (The adapter's stream, `${prefix}:socket.io`, appears
        // only once something crosses it: room events take NATS subjects now, only revocations use the adapter.)
        expect(mine).toContain(`${prefix}:presence:nodes`);
        expect(mine.some((k) => k.startsWith(`${prefix}:presence:sess:`))).toBe(true);
      }
      // Both environments run a node-1: each has its own liveness key.
      expect(keys).toEqual(expect.arrayContaining([`${one.redisPrefix}:presence:alive:node-1`, `${two.redisPrefix}:presence:alive:node-1`]));
    } finally {
      await client.quit();
    }
  }, 60_000);
});
