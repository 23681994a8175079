import { readdir, stat } from 'node:fs/promises';
import type { ServerUnderTest } from '../stack/load-stack.js';
import { sleep } from '@switchboard/testing';

/**
 * Asks the server for a heap snapshot (SIGUSR2; V8 runs a full GC first) and waits until the new file in its
 * diagnostic directory stops growing.
 */
export async function heapSnapshot(server: ServerUnderTest, log: (message: string) => void): Promise<void> {
  const dir = server.diagnosticDir;
  if (!dir) throw new Error('--heap-snapshot needs --profile DIR');
  const list = async () => (await readdir(dir)).filter((f) => f.endsWith('.heapsnapshot'));
  const known = new Set(await list());
  process.kill(server.process.pid, 'SIGUSR2');
  log(`${server.kind}: heap snapshot requested`);
  const deadline = Date.now() + 300_000;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(1000);
    const file = (await list()).find((f) => !known.has(f));
    if (!file) continue;
    const size = (await stat(`${dir}/${file}`)).size;
    if (size > 0 && size === lastSize) return log(`${server.kind}: heap snapshot ${dir}/${file}`);
    lastSize = size;
  }
  throw new Error('the heap snapshot was not written in 5 minutes');
}
