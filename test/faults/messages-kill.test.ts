import { describe, expect, it } from 'vitest';
import { sleep } from '@switchboard/testing';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

describe('faults: kill -9 of the messages service mid-batch', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - the messages service killed with sends in flight, back 3 s later: nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from it being ready', async () => {
    const figures = await runScenario('messages service kill -9 mid-batch', faults(), fleet(), async () => {
      const { stack } = faults();
      const faultAt = Date.now();
      const inFlight = fleet().inFlight;
      stack.messages.signal('SIGKILL');
      await stack.messages.exited;
      await sleep(3000);
      await stack.restartMessages();
      return { faultAt, referenceAt: Date.now(), reference: 'the messages service ready again', extra: { sendsInFlightAtKill: inFlight } };
    });
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
