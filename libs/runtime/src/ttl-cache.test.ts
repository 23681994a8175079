import { describe, expect, it, vi } from 'vitest';
import { createTtlCache } from './ttl-cache.js';

describe('ttl cache', () => {
  it('ttl cache - concurrent lookups share one load; answers expire; failures are not kept', async () => {
    vi.useFakeTimers();
    try {
      const cache = createTtlCache<number>({ ttlMs: 1000 });
      const load = vi.fn(async () => 42);
      expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([42, 42]);
      expect(load).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(1001);
      await cache.get('k', load);
      expect(load).toHaveBeenCalledTimes(2);
      const failing = vi.fn(async () => {
        throw new Error('down');
      });
      await expect(cache.get('f', failing)).rejects.toThrow('down');
      await expect(cache.get('f', failing)).rejects.toThrow('down');
      expect(failing).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ttl cache - the oldest entry goes when full', async () => {
    const cache = createTtlCache<string>({ ttlMs: 10_000, maxSize: 2 });
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('c', async () => 'c');
    expect(cache.size).toBe(2);
    const reload = vi.fn(async () => 'a2');
    expect(await cache.get('a', reload)).toBe('a2');
  });

  it('ttl cache - with ttlMs 0 only lookups in flight are shared; a settled answer is asked again', async () => {
    const cache = createTtlCache<number>({ ttlMs: 0 });
    let n = 0;
    const load = vi.fn(async () => ++n);
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(await cache.get('k', load)).toBe(2);
    expect(cache.size).toBe(0);
    const failing = vi.fn(async () => {
      throw new Error('down');
    });
    await expect(cache.get('f', failing)).rejects.toThrow('down');
    await expect(cache.get('f', failing)).rejects.toThrow('down');
    expect(failing).toHaveBeenCalledTimes(2);
  });
});
