import { describe, expect, it } from 'vitest';
import { createFailOpen } from './fail-open.js';
import { createMemoryWindowCounter } from './window-counter.js';

describe('window counter (memory)', () => {
  it('window counter - counts per key within a window that starts at the first hit; peek adds nothing', async () => {
    let now = 1_000;
    const counter = createMemoryWindowCounter({ windowMs: 60_000, now: () => now });
    expect(await counter.peek('a')).toEqual({ count: 0, resetMs: 0 });
    expect(await counter.hit('a')).toEqual({ count: 1, resetMs: 60_000 });
    now += 10_000;
    expect(await counter.hit('a')).toEqual({ count: 2, resetMs: 50_000 });
    expect(await counter.peek('a')).toEqual({ count: 2, resetMs: 50_000 });
    expect(await counter.hit('b')).toEqual({ count: 1, resetMs: 60_000 });
    now += 50_000;
    expect(await counter.peek('a')).toEqual({ count: 0, resetMs: 0 });
    expect(await counter.hit('a')).toEqual({ count: 1, resetMs: 60_000 });
  });

  it('window counter - at most maxKeys keys: the oldest is forgotten', async () => {
    const counter = createMemoryWindowCounter({ windowMs: 60_000, maxKeys: 2 });
    await counter.hit('a');
    await counter.hit('b');
    await counter.hit('c');
    expect((await counter.peek('a')).count).toBe(0);
    expect((await counter.peek('c')).count).toBe(1);
  });
});

describe('fail open', () => {
  it('fail open - a failing check allows (the fallback), counted each time; the outage and the recovery are reported once each', async () => {
    const failed: string[] = [];
    const outages: unknown[] = [];
    const recoveries: number[] = [];
    const failOpen = createFailOpen({ timeoutMs: 1000, onFailOpen: (limit) => failed.push(limit), onOutage: (e) => outages.push(e), onRecovered: (n) => recoveries.push(n) });
    const down = () => Promise.reject(new Error('down'));
    expect(await failOpen.run('x', down, 'allow')).toBe('allow');
    expect(await failOpen.run('y', down, 'allow')).toBe('allow');
    expect(await failOpen.run('x', async () => 'refuse', 'allow')).toBe('refuse');
    expect(await failOpen.run('x', async () => 'refuse', 'allow')).toBe('refuse');
    expect(failed).toEqual(['x', 'y']);
    expect(outages).toHaveLength(1);
    expect(recoveries).toEqual([2]);
  });

  it('fail open - a check that does not answer within the timeout allows', async () => {
    const failOpen = createFailOpen({ timeoutMs: 20, onFailOpen: () => undefined, onOutage: () => undefined, onRecovered: () => undefined });
    expect(await failOpen.run('x', () => new Promise<string>(() => undefined), 'allow')).toBe('allow');
  });
});
