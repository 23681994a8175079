/**
 * A small TTL cache of promises: concurrent lookups of one key share one call (a reconnect storm of one device
 * asks once), failures are not cached, and the oldest entry goes when it is full. With `ttlMs` 0 only lookups in
 * flight are shared: an answer is never reused once it arrived.
 */
export interface TtlCache<V> {
  get(key: string, load: () => Promise<V>): Promise<V>;
  delete(key: string): void;
  /** Drops every entry whose key starts with `prefix` (e.g. every answer about one app). */
  deletePrefix(prefix: string): void;
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
      const value = load();
      if (entries.size >= maxSize) entries.delete(entries.keys().next().value!);
      const forget = () => {
        if (entries.get(key)?.value === value) entries.delete(key);
      };
      // In flight: shared whatever the TTL (`Infinity` until it settles when the TTL is 0).
      entries.set(key, { expires: options.ttlMs > 0 ? now + options.ttlMs : Infinity, value });
      if (options.ttlMs > 0) value.catch(forget);
      else value.then(forget, forget);
      return value;
    },
    delete: (key) => void entries.delete(key),
    deletePrefix(prefix) {
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
