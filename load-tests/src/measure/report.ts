import type { ServerKind } from '../stack/load-stack.js';

/**
 * One figure of a scenario, for each server measured; the ratios are gateway ÷ baseline and gateway ÷ floor.
 * A server not measured (or a figure that does not apply to it) is `undefined`.
 */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly gateway: number | undefined;
  readonly baseline: number | undefined;
  /** The raw uWS pub/sub floor (src/floor/): what the same frames cost with nothing else. */
  readonly floor?: number | undefined;
  /** Which way is better, so the reader sees at a glance who won. */
  readonly better: 'higher' | 'lower' | 'none';
  /** The target for the gateway, as text, and whether it was met. */
  readonly target?: { readonly text: string; readonly met: boolean | undefined };
}

/** A figure's value for each server measured, from the per-server results of a scenario. */
export function perServer<R>(results: ReadonlyMap<ServerKind, R>, pick: (result: R) => number | undefined): Pick<Figure, ServerKind> {
  const of = (kind: ServerKind) => {
    const result = results.get(kind);
    return result === undefined ? undefined : pick(result);
  };
  return { gateway: of('gateway'), baseline: of('baseline'), floor: of('floor') };
}

const fmt = (value: number | undefined) => {
  if (value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

const ratio = (gateway: number | undefined, other: number | undefined) => {
  if (gateway === undefined || other === undefined || other === 0) return '—';
  return `${(gateway / other).toFixed(2)}×`;
};

/** A plain-text table (also valid Markdown) of the figures with their ratios and targets. */
export function formatReport(title: string, conditions: readonly string[], figures: readonly Figure[]): string {
  const header = ['figure', 'unit', 'gateway (uWS)', 'baseline (ws)', 'floor (raw uWS)', 'gateway ÷ baseline', 'gateway ÷ floor', 'better', 'target'];
  const rows = figures.map((f) => [
    f.name,
    f.unit,
    fmt(f.gateway),
    fmt(f.baseline),
    fmt(f.floor),
    ratio(f.gateway, f.baseline),
    ratio(f.gateway, f.floor),
    f.better === 'none' ? '' : f.better,
    f.target ? `${f.target.text} ${f.target.met === undefined ? '' : f.target.met ? 'MET' : 'MISSED'}`.trim() : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `## ${title}`,
    ...conditions.map((c) => `- ${c}`),
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
  ].join('\n');
}
