import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Added to every series, e.g. `{ service: 'messages' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Collect Node's default metrics (event loop lag, heap, GC …). @default true */
  readonly collectDefaults?: boolean;
}

/**
 * How often Node's event-loop delay is sampled for `nodejs_eventloop_lag_*` (`monitorEventLoopDelay`'s resolution).
 * prom-client's 10 ms woke every idle process 100 times a second, about half of an idle gateway's CPU
 * (docs/scaling.md, "Cluster: one puller"); 50 ms still sees any stall long enough to matter (the storm's 200 ms bar).
 */
export const EVENT_LOOP_SAMPLING_MS = 50;

/** A fresh registry per service (or per test), never prom-client's global one. */
export function createMetricsRegistry(options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLING_MS });
  return registry;
}

/** Buckets in seconds, from 1 ms to 10 s. */
export const LATENCY_BUCKETS = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

export type HttpDurationHistogram = Histogram<'method' | 'route' | 'status'>;

/**
 * HTTP request durations, labelled by route template (`/v1/conversations/:id`), never by a concrete path,
 * so ids cannot blow up the series count. Requests that match no route are labelled `unmatched`.
 */
export function createHttpDurationHistogram(registry: Registry): HttpDurationHistogram {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
}

export function createCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  collect?: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

/** For each label, the values it is known to take. */
export type KnownLabelValues<L extends string> = { readonly [K in L]: readonly string[] };

/**
 * Exports a labelled counter or histogram at 0 for every combination of its known label values, from the start.
 * prom-client prints a labelled metric only once it is observed, so a dashboard panel shows "No data" and the
 * first `rate()`/`increase()` after an event is lost (there is no earlier sample to compare with).
 */
export function zeroKnownSeries<L extends string>(metric: Counter<L> | Histogram<L>, known: KnownLabelValues<L>): void {
  let combinations: Record<string, string>[] = [{}];
  for (const [label, values] of Object.entries(known) as [string, readonly string[]][]) {
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [label]: value })));
  }
  for (const labels of combinations) {
    if (metric instanceof Histogram) metric.zero(labels as Partial<Record<L, string>>);
    else metric.inc(labels as Partial<Record<L, string>>, 0);
  }
}
