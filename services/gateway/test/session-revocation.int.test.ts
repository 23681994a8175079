import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  credentialId,
  SUBJECTS,
  type AppCredentialsRevokedEvent,
  type CreatedApp,
} from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack, type Recorded } from './harness.js';
import type { Socket } from 'socket.io-client';

/**
 * Revocation reaching live sockets on every node: `app.credentials_revoked` is published into the `EVENTS` stream
 * directly (as the messages service's outbox does), the shared `gateway-events` consumer hands it to one node, and
 * the sockets of that credential on both nodes get `error INVALID_CREDENTIALS` and are disconnected; sockets of
 * other credentials and other apps stay.
 */
let stack: GatewayStack;
let nc: NatsConnection;
let a: string;
let b: string;

/** The id the messages service names a stored api key or admin token by: `<which>:<first 16 hex of its SHA-256>`. */
const credentialOf = (which: 'api_key' | 'admin_token', secret: string) =>
  credentialId(which, createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16));

const publishRevocation = async (event: AppCredentialsRevokedEvent) => {
  await jetstream(nc).publish(SUBJECTS.appCredentialsRevoked, JSON.stringify(event), { msgID: randomUUID() });
};

/** Resolves with the socket's `error` payloads once it was disconnected. */
const ended = (r: Recorded<Socket>, timeoutMs: number) =>
  waitFor(() => (r.socket.disconnected ? { errors: r.of('error') } : undefined), { timeoutMs, message: 'socket disconnected' });

const alive = async (r: Recorded<Socket>) => {
  expect(r.socket.connected).toBe(true);
  expect(await r.socket.timeout(3000).emitWithAck('ping')).toBe('pong');
};

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 2 });
  nc = await connect({ servers: stack.natsUrl });
  [a, b] = stack.nodes.map((n) => n.url) as [string, string];
});
afterAll(async () => {
  await nc?.close();
  await stack?.[Symbol.asyncDispose]();
});

describe('revocation of live sockets on every node', () => {
  it('revocation - a revoked admin token ends its /admin sockets on both nodes within 10 s; other credentials and apps stay', async () => {
    const app: CreatedApp = await stack.createApp('revoked');
    const other: CreatedApp = await stack.createApp('other');
    const agentA = await stack.connected(stack.admin(a, app));
    const agentB = await stack.connected(stack.admin(b, app));
    const deviceA = await stack.connected(stack.client(a, app, 'phone'));
    const deviceB = await stack.connected(stack.client(b, app, 'tablet'));
    const otherAgentA = await stack.connected(stack.admin(a, other));
    const otherAgentB = await stack.connected(stack.admin(b, other));

    const started = Date.now();
    await publishRevocation({
      app_id: app.id,
      which: 'admin_token',
      valid_until: new Date().toISOString(),
      credential_id: credentialOf('admin_token', app.admin_token),
    });
    for (const agent of [agentA, agentB]) {
      const { errors } = await ended(agent as unknown as Recorded<Socket>, 10_000);
      expect(errors).toEqual([{ code: 'INVALID_CREDENTIALS', message: expect.any(String) }]);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    // A server-side disconnect: the client does not reconnect by itself with the revoked credential.
    await sleep(500);
    expect(agentA.socket.connected).toBe(false);
    for (const r of [deviceA, deviceB, otherAgentA, otherAgentB]) await alive(r as unknown as Recorded<Socket>);
    for (const r of [deviceA, deviceB, otherAgentA, otherAgentB]) expect(r.of('error')).toEqual([]);
  });

  it('revocation - an api key revoked with a grace ends its /client sockets at valid_until, not before', async () => {
    const app: CreatedApp = await stack.createApp('grace');
    const deviceA = await stack.connected(stack.client(a, app, 'phone'));
    const deviceB = await stack.connected(stack.client(b, app, 'tablet'));
    const agent = await stack.connected(stack.admin(b, app));
    const until = Date.now() + 3000;
    await publishRevocation({
      app_id: app.id,
      which: 'api_key',
      valid_until: new Date(until).toISOString(),
      credential_id: credentialOf('api_key', app.api_key),
    });
    await sleep(1500);
    for (const r of [deviceA, deviceB]) await alive(r as unknown as Recorded<Socket>);
    for (const device of [deviceA, deviceB]) {
      const { errors } = await ended(device as unknown as Recorded<Socket>, 10_000);
      expect(errors).toEqual([{ code: 'INVALID_CREDENTIALS', message: expect.any(String) }]);
    }
    // Not before valid_until, and well within 5 s after it.
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(Date.now() - until).toBeLessThan(5000);
    await alive(agent as unknown as Recorded<Socket>);
  });

  it('revocation - a credential another app holds is not touched by an event of this app', async () => {
    const app: CreatedApp = await stack.createApp('named');
    const other: CreatedApp = await stack.createApp('bystander');
    const otherAgent = await stack.connected(stack.admin(a, other));
    // The event names this app but the other app's credential: no socket of either app matches both.
    await publishRevocation({ app_id: app.id, which: 'admin_token', valid_until: new Date().toISOString(), credential_id: credentialOf('admin_token', other.admin_token) });
    await sleep(2500);
    await alive(otherAgent as unknown as Recorded<Socket>);
  });

  it('auth:refresh - a socket opened without a token has nothing to refresh: FORBIDDEN', async () => {
    const app: CreatedApp = await stack.createApp('refresh');
    const device = await stack.connected(stack.client(a, app, 'phone'));
    const agent = await stack.connected(stack.admin(b, app));
    for (const r of [device, agent] as unknown as Recorded<Socket>[]) {
      const answer = await r.socket.timeout(5000).emitWithAck('auth:refresh', { token: 'a.b.c' });
      expect(answer).toEqual({ success: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
      const invalid = await r.socket.timeout(5000).emitWithAck('auth:refresh', { token: '' });
      expect(invalid.error.code).toBe('VALIDATION_FAILED');
      await alive(r);
    }
  });
});
