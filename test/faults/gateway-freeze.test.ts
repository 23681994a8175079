import { describe, expect, it } from 'vitest';
import { sleep } from '@switchboard/testing';
import { checkBar, checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

/** How long the gateway stays frozen: shorter than the default heartbeat (25 s + 20 s), so no connection ends. */
const FREEZE_MS = 30_000;

describe('faults: a gateway frozen 30 s (SIGSTOP)', () => {
  const { faults, fleet } = useFaultStack();

  it('faults - a gateway stopped with SIGSTOP for 30 s then continued: presence flaps counted, nothing lost, duplicated or out of order; catch-up timed against the 5 s bar from SIGCONT', async () => {
    let onFrozen: string[] = [];
    let onOther: string[] = [];
    let presenceBefore = 0;
    const figures = await runScenario('gateway frozen 30 s (SIGSTOP)', faults(), fleet(), async () => {
      const sessions = await fleet().agents[0]!.sessions();
      const frozen = faults().gateways[0]!;
      onFrozen = sessions.filter((s) => s.node_id === 'node-1').map((s) => s.device_id);
      onOther = sessions.filter((s) => s.node_id !== 'node-1').map((s) => s.device_id);
      presenceBefore = fleet().presence.length;
      const faultAt = Date.now();
      frozen.signal('SIGSTOP');
      await sleep(FREEZE_MS);
      frozen.signal('SIGCONT');
      return {
        faultAt,
        referenceAt: Date.now(),
        reference: 'SIGCONT',
        extra: { devicesOnFrozenNode: onFrozen.length, devicesOnOtherNode: onOther.length },
      };
    });
    const presence = fleet().presence.slice(presenceBefore);
    process.stdout.write(`[faults] presence events during and after the freeze: ${JSON.stringify(presence.map((p) => [p.agent, p.device_id, p.is_online]))}\n`);
    expect(onFrozen.length).toBeGreaterThan(0);
    expect(onOther.length).toBeGreaterThan(0);
    expect(figures.clientDrops).toBe(0);
    // No flaps: no device went offline (or came back online) while its connection stayed open.
    const flaps = presence.filter((p) => onFrozen.includes(p.device_id));
    checkBar(flaps.length === 0, `${flaps.length} presence events for devices on the frozen node (NODE_TTL_MS against a 30 s freeze)`);
    expect(presence.filter((p) => onOther.includes(p.device_id))).toEqual([]);
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
