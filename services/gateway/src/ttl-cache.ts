/**
 * A small TTL cache of promises: concurrent lookups of one key share one call (a reconnect storm of one device
 * asks once), failures are not cached, and the oldest entry goes when it is full.
 */
export interface TtlCache<V> {
  get(key: string, load: () => Promise<V>): Promise<V>;
  delete(key: string): void;
  readonly size: number;
}

export function createTtlCache<V>(options: { ttlMs: number; maxSize?: number }): TtlCache<V> {
  const maxSize = options.maxSize ?? 10_000;
  const entries = new Map<string, { expires: number; value: Promise<V> }>();
  return {
    get(key, load) {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value;
      if (options.ttlMs <= 0) return load();
      const value = load();
      if (entries.size >= maxSize) entries.delete(entries.keys().next().value!);
      entries.set(key, { expires: now + options.ttlMs, value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
    delete: (key) => void entries.delete(key),
    get size() {
      return entries.size;
    },
  };
}
