import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of `/proc/<pid>/stat` times. */
function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export interface ProcessUsage {
  /** User + system CPU time of the process (all its threads), seconds. */
  readonly cpuSeconds: number;
  /** Of which in the kernel (system calls: socket reads and writes, mostly). */
  readonly systemSeconds: number;
  readonly rssBytes: number;
}

export interface ProcessUsageReader {
  read(pid: number): Promise<ProcessUsage>;
}

/** Reads CPU time from `/proc/<pid>/stat` (utime + stime) and RSS from `/proc/<pid>/status` (VmRSS). */
export function createProcessUsageReader(): ProcessUsageReader {
  const ticks = clockTicks();
  return {
    async read(pid) {
      const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
      // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return { cpuSeconds: (utime + stime) / ticks, systemSeconds: stime / ticks, rssBytes: rssKb * 1024 };
    },
  };
}

export interface ScrapedMetrics {
  readonly rssBytes: number | undefined;
  readonly heapUsedBytes: number | undefined;
  /** V8 heap committed (nodejs_heap_size_total_bytes): used plus free space in the pages V8 keeps. */
  readonly heapTotalBytes: number | undefined;
  readonly cpuSeconds: number | undefined;
  /** Every sample, `name{labels}` → value. */
  readonly samples: ReadonlyMap<string, number>;
}

/** Scrapes a Prometheus text endpoint (keep-alive off: uWS closes after `Connection: close` without saying so). */
export async function scrapeMetrics(url: string): Promise<ScrapedMetrics> {
  const response = await fetch(url);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  const first = (name: string) => {
    for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) return value;
    return undefined;
  };
  return {
    rssBytes: first('process_resident_memory_bytes'),
    heapUsedBytes: first('nodejs_heap_size_used_bytes'),
    heapTotalBytes: first('nodejs_heap_size_total_bytes'),
    cpuSeconds: first('process_cpu_seconds_total'),
    samples,
  };
}
