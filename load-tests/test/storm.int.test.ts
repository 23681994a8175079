/**
 * `npm run load -- storm` at a tiny scale: 200 sockets (20 of them SDK clients) on the gateway and the baseline, each
 * cut at once and then the server SIGKILLed and started again. The figures are benchmarks (docs/performance.md);
 * here only what must hold at any scale: every socket back, the times and the gateway's event-loop delay read, and
 * every send the SDK clients queued while disconnected stored exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCliRuns } from './cli-runs.js';
import type { StormResult } from '../src/scenarios/storm-report.js';

const RUN_TIMEOUT_MS = 240_000;
const runs = createCliRuns(RUN_TIMEOUT_MS);
afterAll(() => runs.dispose());

async function runStorm(flags: string[]): Promise<{ table: string; data: StormResult[] }> {
  const { table, json } = await runs.run<{ data: StormResult[] }>('storm', flags);
  return { table, data: json.data };
}

describe('npm run load -- storm', () => {
  it('storm - cut and kill on the gateway and the baseline: every socket back, the SDK clients\' queued sends stored exactly once', async () => {
    const { table, data } = await runStorm(['--sockets', '200', '--sdk-clients', '20', '--sdk-sends', '2', '--tabs', '10', '--settle', '2', '--storm-timeout', '60']);

    expect(table).toContain('cut: 99 % back');
    expect(table).toContain('kill: event-loop delay p99 during the storm');
    expect(data.map((r) => `${r.kind} ${r.variant}`)).toEqual(['gateway cut', 'gateway kill', 'baseline cut', 'baseline kill']);
    for (const r of data) {
      const what = `${r.kind} ${r.variant}`;
      expect(r.serverExited, what).toBe(false);
      expect(r.dropped, what).toBe(200);
      expect(r.back, what).toBe(200);
      expect(r.back99Ms, what).toBeGreaterThanOrEqual(0);
      expect(r.back100Ms, what).toBeGreaterThanOrEqual(r.back99Ms!);
      expect(r.handshakeP99Ms, what).toBeGreaterThan(0);
      expect(r.loopLagP99Ms, what).toBeGreaterThan(0);
      expect(r.sends.whileDisconnected, what).toBeGreaterThan(0);
      expect(r.sends.queued, what).toBe(40);
      expect(r.sends, what).toMatchObject({ storedOnce: 40, lost: 0, duplicated: 0, acknowledged: 40, failed: {} });
      if (r.variant === 'kill') expect(r.restartMs, what).toBeGreaterThan(0);
    }
  }, RUN_TIMEOUT_MS + 10_000);
});
