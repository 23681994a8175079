import { describe, expect, it } from 'vitest';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

describe('faults: kill -9 of a gateway', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - a gateway killed with SIGKILL: its clients reconnect to the other; nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from the kill', async () => {
    const figures = await runScenario('gateway kill -9', faults(), fleet(), async () => {
      const victim = faults().gateways[0]!;
      const faultAt = Date.now();
      victim.signal('SIGKILL');
      await victim.exited;
      return { faultAt, referenceAt: faultAt, reference: 'the kill (the gateway stays down)' };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.clientDrops).toBeGreaterThan(0);
    checkCaughtUp(figures);
  });
});
