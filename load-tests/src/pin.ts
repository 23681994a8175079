import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Restricts a running process and all its threads to `cpus` (a taskset list such as `0` or `1`). */
export async function pinProcess(pid: number, cpus: string | undefined): Promise<void> {
  if (!cpus) return;
  await run('taskset', ['-a', '-p', '-c', cpus, String(pid)]);
}

/** The command line that starts `argv` on `cpus` (unchanged when no CPUs are asked for). */
export function pinnedCommand(argv: readonly string[], cpus: string | undefined): string[] {
  return cpus ? ['taskset', '-c', cpus, ...argv] : [...argv];
}
