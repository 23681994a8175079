/** One figure of a scenario, for the gateway and the baseline; the ratio is gateway ÷ baseline. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly gateway: number | undefined;
  readonly baseline: number | undefined;
  /** Which way is better, so the reader sees at a glance who won. */
  readonly better: 'higher' | 'lower' | 'none';
  /** The target for the gateway, as text, and whether it was met. */
  readonly target?: { readonly text: string; readonly met: boolean | undefined };
}

const fmt = (value: number | undefined) => {
  if (value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

const ratio = (figure: Figure) => {
  const { gateway, baseline } = figure;
  if (gateway === undefined || baseline === undefined || baseline === 0) return '—';
  return `${(gateway / baseline).toFixed(2)}×`;
};

/** A plain-text table (also valid Markdown) of the figures with their ratios and targets. */
export function formatReport(title: string, conditions: readonly string[], figures: readonly Figure[]): string {
  const header = ['figure', 'unit', 'gateway (uWS)', 'baseline (ws)', 'ratio', 'better', 'target'];
  const rows = figures.map((f) => [
    f.name,
    f.unit,
    fmt(f.gateway),
    fmt(f.baseline),
    ratio(f),
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
