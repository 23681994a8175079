import type { ScrapedMetrics } from './process-usage.js';

/** Cumulative bucket counts of one Prometheus histogram series, by upper bound (seconds). */
export type Buckets = ReadonlyMap<number, number>;

/** The `<name>_bucket` samples of a histogram whose labels include `match` (e.g. `event="message:new"`). */
export function bucketsOf(metrics: ScrapedMetrics | undefined, name: string, match = ''): Buckets {
  const buckets = new Map<number, number>();
  if (!metrics) return buckets;
  for (const [key, value] of metrics.samples) {
    if (!key.startsWith(`${name}_bucket{`) || !key.includes(match)) continue;
    const le = /le="([^"]+)"/.exec(key)?.[1];
    if (le) buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value);
  }
  return buckets;
}

/**
 * The upper bound (in ms) of the bucket holding the p-th percentile of the observations made between two
 * scrapes; undefined without observations. A bucket bound, so it over-states by up to one bucket.
 */
export function percentileBetween(before: Buckets, after: Buckets, p: number): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = delta.at(-1) ?? 0;
  if (total <= 0) return undefined;
  const rank = (p / 100) * total;
  for (let i = 0; i < bounds.length; i++) if (delta[i]! >= rank) return bounds[i]! * 1000;
  return undefined;
}
