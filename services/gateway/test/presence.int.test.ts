import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { startTcpBalancer, waitFor } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack } from './harness.js';

/** Shorter than the 3 s default to keep the file quick; the behaviour does not depend on the value. */
const GRACE_MS = 1500;

let stack: GatewayStack;
let app: CreatedApp;
let a: string;
let b: string;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2, gatewayEnv: { PRESENCE_GRACE_MS: String(GRACE_MS) } });
  [a, b] = stack.nodes.map((n) => n.url) as [string, string];
  app = await stack.createApp('presence');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

describe('presence across nodes', () => {
  it('presence - online at the first connection, nothing while one remains, offline after the last', async () => {
    const agent = await stack.connected(stack.admin(a, app));
    const first = await stack.connected(stack.client(a, app, 'laptop'));
    expect(await agent.waitFor('presence:change')).toEqual([{ app_id: app.id, device_id: 'laptop', user_id: null, is_online: true, active_connections: 1 }]);
    const second = await stack.connected(stack.client(b, app, 'laptop'));
    const connects = await agent.waitFor('session:connect', 2);
    expect(connects.map((s) => s.connection_id).sort()).toEqual([first.socket.id, second.socket.id].sort());
    expect(connects[1]).toEqual({ app_id: app.id, device_id: 'laptop', user_id: null, connection_id: expect.any(String), connected_at: expect.any(String) });

    const listed = await agent.socket.emitWithAck('sessions:list', { app_id: app.id });
    expect(listed.success).toBe(true);
    const sessions = (listed as any).sessions;
    expect(sessions.map((s: any) => [s.connection_id, s.node_id]).sort()).toEqual(
      [[first.socket.id, 'node-1'], [second.socket.id, 'node-2']].sort(),
    );
    const fromOtherNode = await stack.connected(stack.admin(b, app));
    expect(((await fromOtherNode.socket.emitWithAck('sessions:list', { app_id: app.id })) as any).sessions).toHaveLength(2);

    const firstId = first.socket.id;
    first.close();
    const disconnect = (await agent.waitFor('session:disconnect', 1, 10_000))[0];
    expect(disconnect).toEqual({ app_id: app.id, device_id: 'laptop', user_id: null, connection_id: firstId, reason: 'client namespace disconnect' });
    await sleep(300);
    expect(agent.of('presence:change')).toHaveLength(1);

    second.close();
    const changes = await agent.waitFor('presence:change', 2, 10_000);
    expect(changes[1]).toEqual({ app_id: app.id, device_id: 'laptop', user_id: null, is_online: false, active_connections: 0 });
    expect(((await agent.socket.emitWithAck('sessions:list', { app_id: app.id })) as any).sessions).toEqual([]);
  });

  it('presence - two nodes connecting and disconnecting one device at once announce each crossing exactly once', async () => {
    const agent = await stack.connected(stack.admin(b, app));
    for (let round = 0; round < 5; round++) {
      const device = `racer-${round}`;
      const sockets = [stack.client(a, app, device), stack.client(b, app, device), stack.client(a, app, device), stack.client(b, app, device)];
      await Promise.all(sockets.map((s) => stack.connected(s)));
      await agent.waitFor('session:connect', 4 * (round + 1));
      for (const s of sockets) s.close();
      await agent.waitFor('session:disconnect', 4 * (round + 1), 10_000);
      await sleep(100);
      const changes = agent.of('presence:change').filter((p) => p.device_id === device);
      expect(changes.map((p) => p.is_online)).toEqual([true, false]);
    }
  });

  it('presence - a node killed with SIGKILL has its sessions and presence removed within 20 s, with the events', async () => {
    const doomed = await stack.startNode();
    const agent = await stack.connected(stack.admin(a, app));
    const victim = await stack.connected(stack.client(doomed.url, app, 'doomed-device', { reconnection: false }));
    await agent.waitFor('presence:change');
    const victimId = victim.socket.id;
    const killedAt = Date.now();
    doomed.signal('SIGKILL');
    await doomed.exited;
    const offline = await agent.waitFor('presence:change', 2, 20_000);
    const healedMs = Date.now() - killedAt;
    expect(offline[1]).toEqual({ app_id: app.id, device_id: 'doomed-device', user_id: null, is_online: false, active_connections: 0 });
    expect(await agent.waitFor('session:disconnect')).toEqual([{ app_id: app.id, device_id: 'doomed-device', user_id: null, connection_id: victimId, reason: 'node lost' }]);
    expect(healedMs).toBeLessThan(20_000);
    expect(((await agent.socket.emitWithAck('sessions:list', { app_id: app.id })) as any).sessions).toEqual([]);
  }, 40_000);

  it('presence - a device reconnecting in a tight loop across nodes produces no presence events; gone for good, it is offline after the grace', async () => {
    const agent = await stack.connected(stack.admin(a, app));
    const device = 'flappy';
    let socket = await stack.connected(stack.client(a, app, device, { reconnection: false }));
    await agent.waitFor('presence:change');
    for (let i = 0; i < 10; i++) {
      socket.close();
      socket = await stack.connected(stack.client(i % 2 === 0 ? b : a, app, device, { reconnection: false }));
    }
    // Every closed connection's session ends after the grace, with no presence change.
    await agent.waitFor('session:disconnect', 10, 20_000);
    expect(agent.of('presence:change')).toEqual([{ app_id: app.id, device_id: device, user_id: null, is_online: true, active_connections: 1 }]);

    const closedAt = Date.now();
    socket.close();
    const offline = (await agent.waitFor('presence:change', 2, 20_000))[1];
    expect(offline).toEqual({ app_id: app.id, device_id: device, user_id: null, is_online: false, active_connections: 0 });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(agent.of('presence:change')).toHaveLength(2);
  }, 60_000);

  it('presence - a dropped connection back on the other node within the grace is a new session and no presence change', async () => {
    // No connection state recovery (room events ride NATS): each return is a new connection of the device.
    await using balancer = await startTcpBalancer(stack.nodes.map((n) => n.port));
    const agent = await stack.connected(stack.admin(a, app));
    const device = await stack.connected(stack.client(balancer.url, app, 'recovering'));
    await agent.waitFor('presence:change');
    await agent.waitFor('session:connect');
    for (let i = 0; i < 3; i++) {
      balancer.block();
      await waitFor(() => !device.socket.connected, { message: 'dropped' });
      balancer.unblock();
      await waitFor(() => device.socket.connected, { timeoutMs: 10_000, message: 'back' });
      expect(device.socket.recovered).toBeFalsy();
    }
    await agent.waitFor('session:disconnect', 3, GRACE_MS + 10_000);
    await sleep(500);
    const names = agent.events.map((e) => e.name).filter((n) => n.startsWith('presence:') || n.startsWith('session:'));
    expect(names.filter((n) => n === 'presence:change')).toHaveLength(1);
    expect(names.filter((n) => n === 'session:connect')).toHaveLength(4);
    expect(names.filter((n) => n === 'session:disconnect')).toHaveLength(3);
    const sessions = ((await agent.socket.emitWithAck('sessions:list', { app_id: app.id })) as any).sessions;
    expect(sessions.map((s: any) => s.connection_id)).toEqual([device.socket.id]);
  }, 60_000);
});
