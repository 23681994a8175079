import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchboard/testing';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

/** The contract's bound for a gateway that dies without cleanup: its sessions and presence removed within 30 s. */
const DEAD_NODE_BOUND_MS = 30_000;

describe('faults: kill -9 of a gateway', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - a gateway killed with SIGKILL: its clients reconnect to the other; nothing lost, duplicated or out of order; its sessions swept within 30 s; catch-up timed against the 5 s bar from the kill', async () => {
    let killedAt = 0;
    const figures = await runScenario('gateway kill -9', faults(), fleet(), async () => {
      const victim = faults().gateways[0]!;
      const faultAt = Date.now();
      killedAt = faultAt;
      victim.signal('SIGKILL');
      await victim.exited;
      return { faultAt, referenceAt: faultAt, reference: 'the kill (the gateway stays down)' };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.clientDrops).toBeGreaterThan(0);
    // Its Redis connection was closed with the process: the sweep does not wait for NODE_LOST_MS (a paused node's bound).
    await waitFor(async () => (await fleet().agents[0]!.sessions()).every((s) => s.node_id !== 'node-1'), {
      timeoutMs: Math.max(0, killedAt + DEAD_NODE_BOUND_MS - Date.now()),
      intervalMs: 250,
      message: 'the killed node swept within 30 s',
    });
    process.stdout.write(`[faults] killed node swept within ${Date.now() - killedAt} ms of the kill (polled every 250 ms)\n`);
    checkCaughtUp(figures);
  });
});
