import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReconnectPolicy } from './reconnect-policy.js';

describe('reconnect policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reconnect - connections that drop right after they open keep backing off', () => {
    const policy = new ReconnectPolicy({ backoff: { baseMs: 100, maxMs: 10_000 }, random: () => 0.999 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      delays.push(policy.next().delayMs);
      policy.connected();
      vi.advanceTimersByTime(50); // up for 50 ms, then dropped
    }
    expect(delays).toEqual([99, 199, 399, 799, 1598]);
  });

  it('reconnect - the backoff starts over once a connection stayed up stableAfterMs', () => {
    const policy = new ReconnectPolicy({ backoff: { baseMs: 100 }, stableAfterMs: 10_000, random: () => 0.999 });
    policy.next();
    policy.next();
    expect(policy.next().attempt).toBe(2);
    policy.connected();
    vi.advanceTimersByTime(9_999);
    policy.dropped();
    expect(policy.next().attempt).toBe(3); // not stable long enough
    policy.connected();
    vi.advanceTimersByTime(10_000);
    expect(policy.next()).toEqual({ attempt: 0, delayMs: 99 });
  });

  it('reconnect - the server\'s shutdown hint comes first, once, plus jitter', () => {
    const policy = new ReconnectPolicy({ shutdownJitterMs: 1000, random: () => 0.5 });
    policy.hint(4000);
    expect(policy.next().delayMs).toBe(4500);
    expect(policy.next().delayMs).toBeLessThan(4000);
  });

  it('reconnect - a refusal\'s retry_after_ms replaces the backoff once, with a small jitter', () => {
    const policy = new ReconnectPolicy({ backoff: { baseMs: 100 }, random: () => 0.999 });
    policy.retryAfter(12_000);
    expect(policy.next().delayMs).toBe(12_249); // 250 ms of jitter at most by default
    expect(policy.next().delayMs).toBe(199); // then the backoff again, at its next step
    policy.retryAfter(Number.NaN);
    expect(policy.next().delayMs).toBe(399);
  });
});
