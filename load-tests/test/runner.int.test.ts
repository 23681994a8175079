/**
 * The Node load runner end to end, each scenario at a tiny scale: the whole private stack, the client processes,
 * the gateway, the baseline and the floor, and the table. The figures themselves are benchmarks (docs/performance.md);
 * here only what must hold at any scale is checked: every server measured, every socket held, every delivery made.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCliRuns } from './cli-runs.js';
import type { Figure } from '../src/measure/report.js';

const runs = createCliRuns(150_000);
afterAll(() => runs.dispose());

interface Run {
  readonly table: string;
  readonly figures: Map<string, Figure>;
}

async function runScenario(scenario: string, flags: string[]): Promise<Run> {
  const { table, json } = await runs.run<{ figures: Figure[] }>(scenario, flags);
  return { table, figures: new Map(json.figures.map((f) => [f.name, f])) };
}

function figure(run: Run, name: string): Figure {
  const found = run.figures.get(name);
  if (!found) throw new Error(`no figure "${name}" in:\n${run.table}`);
  return found;
}

describe('npm run load', () => {
  it('connections - every socket is held on the gateway, the baseline and the floor (the default servers), with memory per connection', async () => {
    const run = await runScenario('connections', ['--connections', '200', '--hold', '2', '--tabs', '10']);
    expect(run.table).toContain('| figure');
    expect(run.table).toContain('baseline (ws)');
    expect(run.table).toContain('gateway ÷ floor');
    expect(figure(run, 'connections held at the end')).toMatchObject({ gateway: 200, baseline: 200, floor: 200 });
    expect(figure(run, 'drops during the hold')).toMatchObject({ gateway: 0, baseline: 0, floor: 0 });
    // At 200 sockets the RSS difference is a few MB, within what the allocator gives back to the OS between the two
    // readings on a loaded machine (seen: -20 KB per socket under a parallel test run), so RSS is only checked to be
    // reported; the JS heap after a full GC is what measures the sockets at this scale.
    expect(Number.isFinite(figure(run, 'RSS per connection (after a full GC)').gateway)).toBe(true);
    expect(figure(run, 'JS heap used per connection (after a full GC)').gateway).toBeGreaterThan(0);
    expect(Number.isFinite(figure(run, 'JS heap used per connection (after a full GC)').floor)).toBe(true);
  }, 180_000);

  it('connections --identity user - every device signs in as its user: no handshake refused, every socket held (gateway and floor)', async () => {
    const run = await runScenario('connections', ['--connections', '100', '--hold', '1', '--tabs', '10', '--servers', 'gateway,floor', '--identity', 'user']);
    expect(run.table).toContain('identity user (one user per device');
    expect(figure(run, 'handshake errors')).toMatchObject({ gateway: 0, floor: 0 });
    expect(figure(run, 'connections held at the end')).toMatchObject({ gateway: 100, floor: 100 });
  }, 60_000);

  it('fanout - every event reaches every socket of its room on the gateway, the baseline and the floor (the default servers)', async () => {
    const run = await runScenario('fanout', ['--rooms', '4', '--room-size', '10', '--rate', '20', '--seconds', '2', '--warmup', '1']);
    expect(figure(run, 'delivery ratio')).toMatchObject({ gateway: 100, baseline: 100, floor: 100 });
    expect(figure(run, 'errors (publish, drops, protocol)')).toMatchObject({ gateway: 0, baseline: 0, floor: 0 });
    expect(figure(run, 'deliveries per server CPU-second').gateway).toBeGreaterThan(0);
    expect(figure(run, 'deliveries per server CPU-second').baseline).toBeGreaterThan(0);
    expect(figure(run, 'deliveries per server CPU-second').floor).toBeGreaterThan(0);
  }, 180_000);

  it('e2e - REST writes are accepted, published and delivered through all three servers, with the bare HTTP ceiling', async () => {
    const run = await runScenario('e2e', ['--devices', '20', '--tabs', '1', '--rate', '20', '--seconds', '2', '--tp-seconds', '2', '--concurrency', '8', '--writers', '1', '--servers', 'gateway,baseline,floor']);
    expect(figure(run, 'messages accepted per second (max, REST 201)').gateway).toBeGreaterThan(0);
    expect(figure(run, 'ceiling: bare Node HTTP answers per second, same writers').gateway).toBeGreaterThan(0);
    expect(figure(run, 'delivery ratio')).toMatchObject({ gateway: 100, baseline: 100, floor: 100 });
    expect(figure(run, 'errors (writes, drops, protocol)')).toMatchObject({ gateway: 0, baseline: 0, floor: 0 });
  }, 180_000);
});
