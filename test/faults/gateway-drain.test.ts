import { describe, expect, it } from 'vitest';
import { sleep } from '@switchboard/testing';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

describe('faults: rolling restart of the gateways (SIGTERM drain, then start again)', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - each gateway in turn drained by SIGTERM and started again: nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from the last one being back', async () => {
    const figures = await runScenario('gateway SIGTERM drain + restart (rolling)', faults(), fleet(), async () => {
      const faultAt = Date.now();
      const drained: number[] = [];
      let referenceAt = faultAt;
      for (const slot of [0, 1]) {
        const node = faults().gateways[slot]!;
        const termAt = Date.now();
        node.signal('SIGTERM');
        await node.exited;
        drained.push(Date.now() - termAt);
        await faults().restartGateway(slot);
        referenceAt = Date.now();
        if (slot === 0) await sleep(3000); // the next node drains once the first one is back and serving
      }
      return { faultAt, referenceAt, reference: 'the second gateway ready again', extra: { drainMs: drained.join(' / ') } };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
