import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@switchboard/logger';
import { freePort, sharedRedisUrl, startRedisServer, waitFor } from '@switchboard/testing';
import { createRedisFanoutLease, type FanoutLease } from '../src/fanout/fanout-lease.js';

/**
 * The shared consumers' lease (one puller per cluster, docs/scaling.md) on a real Redis: one holder, a standby
 * takes over when the holder stops or dies, and a node that cannot reach Redis pulls.
 */
const logger = createLogger({ service: 'test', level: 'silent' });
const clients: Redis[] = [];
const leases: FanoutLease[] = [];
const prefix = `sbtest-lease-${randomBytes(4).toString('hex')}`;
afterAll(async () => {
  await Promise.all(leases.map((lease) => lease.stop().catch(() => {})));
  const cleanup = new Redis(sharedRedisUrl());
  await cleanup.del(`${prefix}:a`, `${prefix}:b`, `${prefix}:c`);
  cleanup.disconnect();
  for (const client of clients) client.disconnect();
});

/** A client like the gateway's: fails at once while Redis is unreachable. */
function client(url = sharedRedisUrl()): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500 });
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
}

function lease(owner: string, key: string, redis = client(), ttlMs = 400) {
  const changes: boolean[] = [];
  const made = createRedisFanoutLease({ redis, key: `${prefix}:${key}`, owner, ttlMs, logger });
  leases.push(made);
  made.start((pulls) => changes.push(pulls));
  return { lease: made, changes };
}

describe('fan-out lease', () => {
  it('lease - one of several nodes pulls; a standby takes over when the holder stops, and when it dies', async () => {
    const nodes = ['n1', 'n2', 'n3'].map((owner) => ({ owner, ...lease(owner, 'a', client(), 1000) }));
    await waitFor(() => nodes.every((n) => n.changes.length > 0 || n.lease.pulls()), { timeoutMs: 2000, message: 'every node decided' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(nodes.filter((n) => n.lease.pulls())).toHaveLength(1);
    const first = nodes.find((n) => n.lease.pulls())!;
    expect(await clients[0]!.get(`${prefix}:a`)).toBe(first.owner);

    // A graceful stop gives the lease back: another node pulls at its next check (ttl / 4), before the ttl ends.
    const stoppedAt = Date.now();
    await first.lease.stop();
    const rest = nodes.filter((n) => n !== first);
    await waitFor(() => rest.filter((n) => n.lease.pulls()).length === 1, { timeoutMs: 3000, intervalMs: 10, message: 'a standby took over' });
    expect(Date.now() - stoppedAt).toBeLessThan(1000);

    // A holder that dies (its client gone, no release): the lease expires and a standby takes it within ttl + ttl / 4.
    const second = rest.find((n) => n.lease.pulls())!;
    const third = rest.find((n) => n !== second)!;
    const secondClient = clients[nodes.indexOf(second)]!;
    secondClient.disconnect(); // its checks now fail: it keeps pulling (fails open), as a frozen or cut-off node would
    const diedAt = Date.now();
    await waitFor(() => third.lease.pulls(), { timeoutMs: 5000, intervalMs: 10, message: 'the last standby took over' });
    // The lease was renewed at most ttl / 4 before; it lives ttl after that; a standby checks every ttl / 4.
    expect(Date.now() - diedAt).toBeLessThan(1000 + 250 + 500);
    expect(Date.now() - diedAt).toBeGreaterThan(500);
    expect(await clients[0]!.get(`${prefix}:a`)).toBe(third.owner);
  });

  it('lease - a node that cannot reach Redis pulls (delivery never waits for Redis), and stops once Redis says another holds it', async () => {
    const port = await freePort();
    const unreachable = lease('lonely', 'b', client(`redis://127.0.0.1:${port}`));
    await waitFor(() => unreachable.lease.pulls(), { timeoutMs: 2000, message: 'fails open' });

    // A private Redis appears on that port with the lease held by someone else: the node becomes a standby.
    await using redis = await startRedisServer({ port });
    const other = new Redis(redis.url);
    await other.set(`${prefix}:b`, 'someone-else', 'PX', 60_000);
    other.disconnect();
    await waitFor(() => !unreachable.lease.pulls(), { timeoutMs: 5000, message: 'became a standby once Redis answered' });
    expect(unreachable.changes).toEqual([true, false]);
  });

  it('lease - a holder that was too slow to renew (another node took the expired lease) stops pulling', async () => {
    const redis = client();
    const slow = lease('slow', 'c', redis, 400);
    await waitFor(() => slow.lease.pulls(), { timeoutMs: 2000, message: 'holds' });
    // Another node takes the lease as if it had expired while the holder was frozen.
    await redis.set(`${prefix}:c`, 'thief', 'PX', 60_000);
    await waitFor(() => !slow.lease.pulls(), { timeoutMs: 2000, message: 'gave up pulling' });
    // And its stop does not delete another node's lease.
    await slow.lease.stop();
    expect(await redis.get(`${prefix}:c`)).toBe('thief');
  });
});
