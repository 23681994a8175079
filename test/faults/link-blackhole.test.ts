import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchboard/testing';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

/**
 * A short heartbeat (the contract's `PING_INTERVAL_MS` / `PING_TIMEOUT_MS`), so the scenario takes seconds: a client
 * must notice a dead link within interval + timeout (45 s with the defaults, 10 s here).
 */
const PING_INTERVAL_MS = 5000;
const PING_TIMEOUT_MS = 5000;
const DETECTION_BAR_MS = PING_INTERVAL_MS + PING_TIMEOUT_MS;

describe('faults: every open link black-holed by the proxy', () => {
  const { faults, fleet } = useFaultStack({ gatewayEnv: { PING_INTERVAL_MS: String(PING_INTERVAL_MS), PING_TIMEOUT_MS: String(PING_TIMEOUT_MS) } });

  it('faults - the proxy silently drops every open connection (no FIN, no RST): each client notices within the heartbeat and reconnects; catch-up timed against the 5 s bar from noticing', async () => {
    const detectedAt = new Map<string, number>();
    const figures = await runScenario('links black-holed by the proxy', faults(), fleet(), async () => {
      const clients = fleet().devices.length + fleet().agents.length;
      const noticed = (name: string) => () => void (detectedAt.has(name) || detectedAt.set(name, Date.now()));
      const faultAt = Date.now();
      for (const device of fleet().devices) device.client.on('disconnect', noticed(device.id));
      fleet().agents.forEach((agent, i) => agent.on('disconnect', noticed(`agent-${i + 1}`)));
      const cut = faults().ingress.blackhole();
      await waitFor(() => detectedAt.size === clients, { timeoutMs: DETECTION_BAR_MS + 20_000, intervalMs: 100, message: 'every client noticed' });
      const times = [...detectedAt.values()].map((at) => at - faultAt);
      return {
        faultAt,
        referenceAt: Math.max(...detectedAt.values()),
        reference: 'the last client noticing its dead link',
        extra: { linksCut: cut, detectionMinMs: Math.min(...times), detectionMaxMs: Math.max(...times) },
      };
    });
    expect(detectedAt.size).toBe(fleet().devices.length + fleet().agents.length);
    expect(Number(figures.extra.detectionMaxMs)).toBeLessThanOrEqual(DETECTION_BAR_MS);
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
