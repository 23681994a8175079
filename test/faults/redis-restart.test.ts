import { describe, expect, it } from 'vitest';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

describe('faults: Redis killed and started again empty', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - Redis killed with SIGKILL and started again with no data: nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from it being back', async () => {
    const figures = await runScenario('Redis kill -9, restarted empty', faults(), fleet(), async () => {
      const { redis } = faults();
      const faultAt = Date.now();
      await redis.kill();
      await redis.start();
      return { faultAt, referenceAt: Date.now(), reference: 'Redis accepting connections again (empty)' };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
