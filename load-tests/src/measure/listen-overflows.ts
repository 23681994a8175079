import { readFile } from 'node:fs/promises';

/** The kernel's accept-queue counters (all sockets of the machine): SYNs dropped because a listen queue was full. */
export interface ListenCounters {
  readonly overflows: number;
  readonly drops: number;
}

/** `ListenOverflows` and `ListenDrops` of the `TcpExt:` lines of /proc/net/netstat (a header line, then a values line). */
export function parseListenCounters(netstat: string): ListenCounters | undefined {
  const lines = netstat.split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (lines.length < 2) return undefined;
  const names = lines[0]!.trim().split(/\s+/);
  const values = lines[1]!.trim().split(/\s+/).map(Number);
  const of = (name: string) => values[names.indexOf(name)];
  const overflows = of('ListenOverflows');
  const drops = of('ListenDrops');
  return overflows === undefined || drops === undefined ? undefined : { overflows, drops };
}

export async function readListenCounters(): Promise<ListenCounters | undefined> {
  return parseListenCounters(await readFile('/proc/net/netstat', 'utf8').catch(() => ''));
}
