import { describe, expect, it } from 'vitest';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

describe('faults: Postgres restarted', () => {
  const { faults, fleet } = useFaultStack({ privatePostgres: true });

  it('faults - the private Postgres stopped (immediate: a crash) and started again: nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from it being back', async () => {
    const figures = await runScenario('Postgres restart (crash, recovery)', faults(), fleet(), async () => {
      const postgres = faults().postgres!;
      const faultAt = Date.now();
      await postgres.crash();
      await postgres.start();
      return { faultAt, referenceAt: Date.now(), reference: 'Postgres accepting connections again' };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
