import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTypingThrottle } from './typing.js';

describe('typing throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('typing - relays at most one event per second per connection; extras are dropped', () => {
    const trailing: [string, boolean][] = [];
    const throttle = createTypingThrottle(1000, (c, t) => trailing.push([c, t]));
    expect(throttle.offer('c1', true)).toBe(true);
    expect(throttle.offer('c1', true)).toBe(false);
    expect(throttle.offer('c2', true)).toBe(false); // per connection, not per conversation
    vi.advanceTimersByTime(1000);
    expect(throttle.offer('c2', true)).toBe(true);
    expect(throttle.typingIn().sort()).toEqual(['c1', 'c2']);
    expect(trailing).toEqual([]);
  });

  it('typing - a stop dropped after a relayed start is delivered when the second is over', () => {
    const trailing: [string, boolean][] = [];
    const throttle = createTypingThrottle(1000, (c, t) => trailing.push([c, t]));
    expect(throttle.offer('c1', true)).toBe(true);
    vi.advanceTimersByTime(200);
    expect(throttle.offer('c1', false)).toBe(false);
    expect(trailing).toEqual([]);
    vi.advanceTimersByTime(800);
    expect(trailing).toEqual([['c1', false]]);
    expect(throttle.typingIn()).toEqual([]);
  });

  it('typing - a start after a pending stop cancels it; a stop without a start relays nothing', () => {
    const trailing: [string, boolean][] = [];
    const throttle = createTypingThrottle(1000, (c, t) => trailing.push([c, t]));
    expect(throttle.offer('c1', false)).toBe(false);
    expect(throttle.offer('c1', true)).toBe(true);
    throttle.offer('c1', false);
    throttle.offer('c1', true);
    vi.advanceTimersByTime(2000);
    expect(trailing).toEqual([]);
    expect(throttle.typingIn()).toEqual(['c1']);
  });
});
