import type { ScrapedMetrics } from './process-usage.js';

/**
 * How long after `droppedAt` (epoch ms) a `fraction` of `total` sockets were connected again, from the moment each
 * socket came back (one entry per socket that did); undefined when fewer than that came back. 99 % of 19,000 is
 * the 18,810th socket back.
 */
export function timeUntilBack(droppedAt: number, backAt: readonly number[], total: number, fraction: number): number | undefined {
  if (total <= 0 || fraction <= 0) return 0;
  const needed = Math.ceil(Math.min(1, fraction) * total - 1e-9);
  if (backAt.length < needed) return undefined;
  const sorted = [...backAt].sort((a, b) => a - b);
  return Math.max(0, sorted[needed - 1]! - droppedAt);
}

/** Sockets back within each of `marksMs` after the drop (a recovery curve for the log and the JSON). */
export function backWithin(droppedAt: number, backAt: readonly number[], marksMs: readonly number[]): number[] {
  return marksMs.map((mark) => backAt.filter((at) => at - droppedAt <= mark).length);
}

export interface EventLoopLag {
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
}

/**
 * The event-loop delay of a Node server from its `/metrics`: prom-client's default `nodejs_eventloop_lag_p99_seconds`
 * and `_max_seconds` come from `perf_hooks.monitorEventLoopDelay` (10 ms resolution), reset at every scrape, so a
 * scrape covers the time since the previous one (or since the process started).
 */
export function eventLoopLag(metrics: ScrapedMetrics | undefined): EventLoopLag {
  const seconds = (name: string) => {
    if (!metrics) return undefined;
    for (const [key, value] of metrics.samples) if (key === name || key.startsWith(`${name}{`)) return value * 1000;
    return undefined;
  };
  return { p99Ms: seconds('nodejs_eventloop_lag_p99_seconds'), maxMs: seconds('nodejs_eventloop_lag_max_seconds') };
}

/**
 * The samples of the counters named `names` (every label set) that grew between two scrapes, by how much; a
 * missing `before` counts from 0 (a process started since). For the server's own account of a storm: its auth
 * gate and handshake refusals.
 */
export function counterDeltas(before: ScrapedMetrics | undefined, after: ScrapedMetrics | undefined, names: readonly string[]): Record<string, number> {
  const deltas: Record<string, number> = {};
  if (!after) return deltas;
  for (const [key, value] of after.samples) {
    if (!names.some((name) => key === name || key.startsWith(`${name}{`))) continue;
    const delta = value - (before?.samples.get(key) ?? 0);
    if (delta > 0) deltas[key] = delta;
  }
  return deltas;
}
