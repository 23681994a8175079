import { describe, expect, it } from 'vitest';
import { sleep } from '@switchboard/testing';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

/** How long NATS stays down. */
const OUTAGE_MS = 60_000;

describe('faults: NATS down 60 s', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - nats-server killed for 60 s then started again on its store: nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from it being back', async () => {
    const figures = await runScenario('NATS down 60 s', faults(), fleet(), async () => {
      const { nats } = faults();
      const faultAt = Date.now();
      await nats.kill();
      await sleep(OUTAGE_MS);
      await nats.start();
      return { faultAt, referenceAt: Date.now(), reference: 'nats-server accepting connections again' };
    }, { settleMs: 60_000 });
    const back = figures.faultAt + Number(figures.extra.faultToReferenceMs);
    const flowing = fleet().ledger.firstBacklogDelivery(back);
    process.stdout.write(`[faults] NATS back → first backlog message delivered: ${flowing === undefined ? 'never' : `${flowing - back} ms`}\n`);
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
