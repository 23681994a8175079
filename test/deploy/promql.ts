/** PromQL functions, aggregations and keywords: identifiers in an expression that are not metric names. */
const NOT_METRICS = new Set([
  // aggregation operators and their modifiers
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'limitk', 'limit_ratio', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset',
  'and', 'or', 'unless', 'atan2', 'inf', 'nan',
]);

/**
 * Metric names used in a PromQL expression (or a Grafana `label_values(metric, label)` query). Strings, label
 * matchers, grouping clauses, durations, numbers and Grafana variables are removed first; what remains that is
 * not a function call or a keyword is a metric name. Exact enough for our rules and dashboards, which a test
 * checks against the services' /metrics.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // string literals
    .replace(/\$\{[^}]*\}|\$__\w+|\$\w+/g, ' ') // Grafana variables
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping label lists
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\blabel_values\s*\(\s*([a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)/g, ' $1 '); // Grafana: label_values(metric, label)
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || NOT_METRICS.has(name!.toLowerCase())) continue;
    // Exponents of numbers (1e3) and duration units (5m) start with a letter but follow a digit.
    const before = stripped[match.index! - 1];
    if (before && /[0-9.]/.test(before)) continue;
    names.add(name!);
  }
  return [...names];
}

/** Series that Prometheus itself adds to every scrape: they are never in a target's /metrics. */
export const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

/**
 * Metric families exposed in Prometheus text format, from its `# TYPE` lines (prom-client prints them even for
 * labelled metrics that were never observed), with the series names each family produces: `_bucket`, `_sum`,
 * `_count` for histograms and summaries.
 */
export function exposedSeriesNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

/** One sample line of a Prometheus text exposition: its series name and labels. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Every sample line of a scrape (comments skipped). A family with only `# HELP`/`# TYPE` lines has none. */
export function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const [, name, body] of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/gm)) {
    const labels: Record<string, string> = {};
    for (const [, label, value] of (body ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label!] = value!;
    out.push({ name: name!, labels });
  }
  return out;
}

/**
 * The label values an expression asks for by name: `metric{label="value"}` and `metric{label=~"a|b"}` (a plain
 * alternation). Labels set by the scrape or by variables are the caller's to skip.
 */
export function requiredLabelValues(expr: string): { metric: string; label: string; value: string }[] {
  const out: { metric: string; label: string; value: string }[] = [];
  for (const [, metric, matchers] of expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
    for (const [, label, op, value] of matchers!.matchAll(/(\w+)\s*(=~|=)\s*"([^"]*)"/g)) {
      if (value!.includes('$')) continue;
      if (op === '=') out.push({ metric: metric!, label: label!, value: value! });
      else if (/^[\w:]+(\|[\w:]+)*$/.test(value!)) for (const v of value!.split('|')) out.push({ metric: metric!, label: label!, value: v });
    }
  }
  return out;
}
