import type { ClientFleet, FleetStats } from '../clients/client-fleet.js';
import { sleep } from '@switchboard/testing';

/** Deliveries of `tag`, its sockets' groups (`tag@group`) included. */
export function receivedOf(snapshot: FleetStats, tag: string): number {
  let received = 0;
  for (const [key, stats] of snapshot.tags) if (key === tag || key.startsWith(`${tag}@`)) received += stats.received;
  return received;
}

/**
 * Waits until the clients have received `expected` deliveries of `tag`, or nothing new arrived for `quietMs`, or
 * `maxMs` passed; returns the last snapshot.
 */
export async function settle(fleet: ClientFleet, tag: string, expected: number, quietMs = 1500, maxMs = 20_000): Promise<FleetStats> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const snapshot = await fleet.snapshot();
    const received = receivedOf(snapshot, tag);
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    }
    if (received >= expected || Date.now() - lastChange >= quietMs || Date.now() > deadline) return snapshot;
    await sleep(250);
  }
}
