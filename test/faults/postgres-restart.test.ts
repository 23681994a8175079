import { describe, expect, it } from 'vitest';
import { CATCH_UP_BAR_MS, runScenario, useFaultStack } from './scenario.js';

describe('faults: Postgres restarted', () => {
  const { faults, fleet } = useFaultStack({ privatePostgres: true });

  it('faults - the private Postgres stopped (immediate: a crash) and started again: nothing lost, duplicated or out of order; caught up within 5 s of it being back', async () => {
    const figures = await runScenario('Postgres restart (crash, recovery)', faults(), fleet(), async () => {
      const postgres = faults().postgres!;
      const faultAt = Date.now();
      await postgres.crash();
      await postgres.start();
      return { faultAt, referenceAt: Date.now(), reference: 'Postgres accepting connections again' };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    expect(figures.caughtUpMs).toBeLessThanOrEqual(CATCH_UP_BAR_MS);
  });
});
