import { describe, expect, it } from 'vitest';
import { createRetryPacer } from './retry-pacer.js';

describe('retry pacer', () => {
  it('retry pacer - slots start after the admitted handshakes and are spaced by concurrency ÷ call time', () => {
    const time = { now: 1_000 };
    const pacer = createRetryPacer({ concurrency: 10, initialCallMs: 100, now: () => time.now });
    // 10 per 100 ms: 10 ms apart; 30 admitted ahead: the first slot is 300 ms away.
    expect([pacer.slot(30), pacer.slot(30), pacer.slot(30)]).toEqual([300, 310, 320]);
    time.now += 100;
    expect(pacer.slot(0)).toBe(230); // the slots already given stay given
    expect(pacer.slot(100)).toBe(1_000); // unless more is admitted ahead than they cover
  });

  it('retry pacer - slower calls space the slots out, and a node that had room starts over', () => {
    const time = { now: 0 };
    const pacer = createRetryPacer({ concurrency: 10, initialCallMs: 100, now: () => time.now });
    for (let i = 0; i < 500; i++) pacer.observe(1_000);
    const first = pacer.slot(0);
    expect(pacer.slot(0) - first).toBeGreaterThanOrEqual(99); // ~100 ms apart now (mean ~1 s per call)
    time.now += 60_000;
    expect(pacer.slot(0)).toBe(0);
  });

  it('retry pacer - past maxDelayMs nothing is booked: the delay is spread over the cap\'s second half', () => {
    const draws = [0, 0.5, 0.999];
    const pacer = createRetryPacer({ concurrency: 1, initialCallMs: 1_000, maxDelayMs: 5_000, now: () => 0, random: () => draws.shift() ?? 0 });
    const booked = Array.from({ length: 6 }, () => pacer.slot(0));
    expect(booked).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    expect([pacer.slot(0), pacer.slot(0), pacer.slot(0)]).toEqual([2_500, 3_750, 4_998]);
  });
});
