import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHistogram, type Histogram } from '../measure/histogram.js';
import { pinnedCommand } from '../pin.js';
import type { FromRestWriter, RestWriterResult, ToRestWriter, WriteTarget } from './rest-writer-messages.js';

const SCRIPT = fileURLToPath(new URL('./rest-writer-worker.js', import.meta.url));

export interface WriteRun {
  readonly accepted: number;
  readonly failed: number;
  readonly sent: number;
  readonly statuses: Record<string, number>;
  readonly latency: Histogram;
  readonly seconds: number;
}

export interface RestWriters extends AsyncDisposable {
  /** Splits the targets and the rate over the writer processes; each run is bounded by `seconds`. */
  run(options: { url: string; targets: readonly WriteTarget[]; concurrency: number; rate: number | undefined; seconds: number; tag: string }): Promise<WriteRun>;
}

export async function startRestWriters(count: number, cpus: string | undefined): Promise<RestWriters> {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const [command, ...args] = pinnedCommand([process.execPath, SCRIPT], cpus);
    children.push(spawn(command!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  const runOne = (child: ChildProcess, message: ToRestWriter) =>
    new Promise<RestWriterResult>((resolve, reject) => {
      child.once('message', (answer: FromRestWriter) => resolve(answer.result));
      child.once('exit', () => reject(new Error('rest writer exited')));
      child.send(message);
    });
  return {
    async run(options) {
      const results = await Promise.all(
        children.map((child, i) =>
          runOne(child, {
            type: 'run',
            worker: i,
            url: options.url,
            targets: options.targets.filter((_, t) => t % children.length === i),
            concurrency: Math.max(1, Math.ceil(options.concurrency / children.length)),
            rate: options.rate === undefined ? undefined : options.rate / children.length,
            seconds: options.seconds,
            tag: options.tag,
          }),
        ),
      );
      const latency = createHistogram();
      const statuses: Record<string, number> = {};
      for (const r of results) {
        latency.merge(r.latency);
        for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
      }
      const sum = (key: 'accepted' | 'failed' | 'sent') => results.reduce((acc, r) => acc + r[key], 0);
      return { accepted: sum('accepted'), failed: sum('failed'), sent: sum('sent'), statuses, latency, seconds: Math.max(...results.map((r) => r.seconds)) };
    },
    async [Symbol.asyncDispose]() {
      for (const child of children) {
        child.removeAllListeners('exit');
        if (child.connected) child.disconnect();
        if (child.exitCode === null) child.kill('SIGTERM');
      }
    },
  };
}
