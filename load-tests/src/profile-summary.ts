/**
 * `node load-tests/dist/profile-summary.js FILE.cpuprofile [TOP]`: where a `--cpu-prof` profile spent its time,
 * by package (node_modules/<name>, our workspaces, Node internals, GC, idle) and by function (self time).
 * `--window FROM,TO` keeps only the samples between FROM and TO seconds after the profile started (e.g. the
 * measured phase of a load run, without start-up and handshakes).
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ours = /\/(services|libs|load-tests)\/([^/]+)\//.exec(url);
  if (ours) return `switchboard ${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const windowAt = args.indexOf('--window');
  const window = windowAt >= 0 ? args.splice(windowAt, 2)[1]!.split(',').map(Number) : undefined;
  const [file, topText] = args;
  if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [TOP] [--window FROM,TO]');
  const top = Number(topText ?? 25);
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const at = t / 1e6;
    if (window && (at < window[0]! || at > window[1]!)) continue;
    const id = profile.samples[i]!;
    hits.set(id, (hits.get(id) ?? 0) + 1);
    total++;
  }
  const busyTotal = [...hits].reduce((sum, [id, n]) => (byId.get(id)?.callFrame.functionName === '(idle)' ? sum : sum + n), 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, n] of hits) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(services|libs|load-tests)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + n);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + n);
  }
  const seconds = window ? window[1]! - window[0]! : (profile.endTime - profile.startTime) / 1e6;
  const pct = (n: number) => `${((100 * n) / busyTotal).toFixed(1).padStart(5)}%`;
  const print = (title: string, map: Map<string, number>) => {
    process.stdout.write(`\n${title} (share of non-idle samples)\n`);
    for (const [name, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      if (name === '(idle)') continue;
      process.stdout.write(`${pct(n)}  ${name}\n`);
    }
  };
  process.stdout.write(`${file}: ${seconds.toFixed(1)} s profiled, ${total} samples, ${((100 * busyTotal) / total).toFixed(1)}% not idle\n`);
  print('by package', byPackage);
  print('by function (self time)', byFunction);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
