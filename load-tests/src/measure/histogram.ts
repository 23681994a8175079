/**
 * A latency histogram in whole milliseconds (one bucket per ms up to `maxMs`, then one overflow bucket that keeps
 * its largest value), cheap to record at tens of thousands of samples per second and mergeable across processes.
 */
export interface Histogram {
  record(ms: number): void;
  readonly count: number;
  /** Sparse `[ms, count]` pairs and the exact maximum, for IPC. */
  toJSON(): HistogramData;
  merge(data: HistogramData): void;
  percentile(p: number): number | undefined;
  max(): number | undefined;
  reset(): void;
}

export interface HistogramData {
  readonly buckets: [number, number][];
  readonly max: number;
}

export function createHistogram(maxMs = 60_000): Histogram {
  let counts = new Uint32Array(maxMs + 2);
  let count = 0;
  let max = Number.NEGATIVE_INFINITY;
  const add = (ms: number, n: number) => {
    const bucket = ms < 0 ? 0 : ms > maxMs ? maxMs + 1 : Math.round(ms);
    counts[bucket]! += n;
    count += n;
  };
  return {
    record(ms) {
      add(ms, 1);
      if (ms > max) max = ms;
    },
    get count() {
      return count;
    },
    toJSON() {
      const buckets: [number, number][] = [];
      for (let i = 0; i < counts.length; i++) if (counts[i]) buckets.push([i, counts[i]!]);
      return { buckets, max };
    },
    merge(data) {
      for (const [ms, n] of data.buckets) add(ms, n);
      if (data.max > max) max = data.max;
    },
    percentile(p) {
      if (count === 0) return undefined;
      const rank = Math.ceil((p / 100) * count);
      let seen = 0;
      for (let i = 0; i < counts.length; i++) {
        seen += counts[i]!;
        if (seen >= rank) return i > maxMs ? max : i;
      }
      return max;
    },
    max: () => (count === 0 ? undefined : max),
    reset() {
      counts = new Uint32Array(maxMs + 2);
      count = 0;
      max = Number.NEGATIVE_INFINITY;
    },
  };
}
