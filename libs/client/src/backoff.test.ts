import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from './backoff.js';

describe('backoff', () => {
  it('backoff - full jitter: uniform in [0, min(max, base × 2^attempt)]', () => {
    expect(fullJitterDelay(0, { baseMs: 500 }, () => 0.999)).toBe(499);
    expect(fullJitterDelay(3, { baseMs: 500 }, () => 0.5)).toBe(2000);
    expect(fullJitterDelay(20, { baseMs: 500, maxMs: 30_000 }, () => 0.999)).toBe(29_970);
    expect(fullJitterDelay(5, {}, () => 0)).toBe(0);
    const samples = Array.from({ length: 2000 }, () => fullJitterDelay(4, { baseMs: 100 }));
    expect(Math.max(...samples)).toBeLessThan(1600);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    // Spread, not bunched: both halves of the range are used.
    expect(samples.filter((d) => d < 800).length).toBeGreaterThan(600);
    expect(samples.filter((d) => d >= 800).length).toBeGreaterThan(600);
  });
});
