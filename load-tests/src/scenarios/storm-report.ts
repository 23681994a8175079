import type { Figure } from '../measure/report.js';
import type { ServerKind } from '../stack/load-stack.js';
import type { QueuedSendsResult } from './storm-sdk-clients.js';

/** `cut`: every client's connection cut, the server stays up; `kill`: the server SIGKILLed and started again. */
export const STORM_VARIANTS = ['cut', 'kill'] as const;
export type StormVariant = (typeof STORM_VARIANTS)[number];

/** One storm on one server: the JSON of `--out` and the input of the table. */
export interface StormResult {
  readonly kind: ServerKind;
  readonly variant: StormVariant;
  /** Sockets connected at the drop (raw and SDK). */
  readonly dropped: number;
  /** Of which connected again by the end. */
  readonly back: number;
  readonly back99Ms: number | undefined;
  readonly back100Ms: number | undefined;
  /** Sockets back within each number of seconds after the drop. */
  readonly curve: Readonly<Record<number, number>>;
  /** `kill`: from the SIGKILL to the new process ready. */
  readonly restartMs: number | undefined;
  readonly handshakeP50Ms: number | undefined;
  readonly handshakeP99Ms: number | undefined;
  /** Failed reconnect attempts of the raw sockets, by reason. */
  readonly refused: Readonly<Record<string, number>>;
  /** Failed reconnect attempts of the SDK clients, by the SDK's cause code. */
  readonly sdkRefused: Readonly<Record<string, number>>;
  readonly loopLagP99Ms: number | undefined;
  readonly loopLagMaxMs: number | undefined;
  /** CPU-seconds of the server (kill: the new process, from its start) from the drop until all were back. */
  readonly serverCpuSeconds: number | undefined;
  /** The server process was gone at the end of the storm (it crashed): the storms after it are not run. */
  readonly serverExited: boolean;
  /** CPU-seconds of the raw sockets' client processes (pinned together with nats-server and redis-server) over the same time. */
  readonly clientCpuSeconds: number;
  /** The kernel's ListenOverflows over the storm (every listen socket of the machine): SYNs dropped, a full accept queue. */
  readonly listenOverflows: number | undefined;
  /** The gateway's auth gate and refusal counters that grew over the storm (kill: since the new process started). */
  readonly serverCounters: Readonly<Record<string, number>>;
  /** The messages service's auth route over the window: its request durations' sum and count. */
  readonly messagesCounters: Readonly<Record<string, number>>;
  readonly messagesCpuSeconds: number;
  /** From the drop until all were back (or the timeout). */
  readonly windowMs: number;
  readonly sends: QueuedSendsResult;
}

const sum = (record: Readonly<Record<string, number>>) => Object.values(record).reduce((a, b) => a + b, 0);

/** The storm's table: a block of rows per variant, a column per server; the targets on the gateway. */
export function stormFigures(results: readonly StormResult[]): Figure[] {
  const figures: Figure[] = [];
  const variants = STORM_VARIANTS.filter((v) => results.some((r) => r.variant === v));
  for (const variant of variants) {
    const of = (kind: ServerKind) => results.find((r) => r.variant === variant && r.kind === kind);
    const row = (name: string, unit: string, pick: (r: StormResult) => number | undefined, better: Figure['better'], target?: (g: StormResult) => Figure['target']): Figure => {
      const value = (kind: ServerKind) => {
        const r = of(kind);
        return r === undefined ? undefined : pick(r);
      };
      const g = of('gateway');
      return { name: `${variant}: ${name}`, unit, gateway: value('gateway'), baseline: value('baseline'), floor: value('floor'), better, ...(g && target ? { target: target(g) } : {}) };
    };
    const reasons = new Set(results.filter((r) => r.variant === variant).flatMap((r) => Object.keys(r.refused)));
    const sdkReasons = new Set(results.filter((r) => r.variant === variant).flatMap((r) => Object.keys(r.sdkRefused)));
    figures.push(
      row('sockets dropped', 'sockets', (r) => r.dropped, 'none'),
      row('server crashed during the storm', '1 = yes', (r) => (r.serverExited ? 1 : 0), 'lower'),
      row('sockets back by the end', 'sockets', (r) => r.back, 'higher'),
      row('99 % back', 's', (r) => ms(r.back99Ms), 'lower', (g) => ({ text: '≤ 30 s', met: g.back99Ms !== undefined && g.back99Ms <= 30_000 })),
      row('100 % back', 's', (r) => ms(r.back100Ms), 'lower'),
      ...(variant === 'kill' ? [row('server ready again after the kill', 's', (r) => ms(r.restartMs), 'lower')] : []),
      row('reconnect handshake p50', 'ms', (r) => r.handshakeP50Ms, 'lower'),
      row('reconnect handshake p99', 'ms', (r) => r.handshakeP99Ms, 'lower'),
      row('refused reconnect attempts (raw sockets)', 'attempts', (r) => sum(r.refused), 'lower'),
      ...[...reasons].sort().map((reason) => row(`  refused: ${reason}`, 'attempts', (r) => r.refused[reason] ?? 0, 'lower')),
      row('failed reconnect attempts (SDK clients)', 'attempts', (r) => sum(r.sdkRefused), 'lower'),
      ...[...sdkReasons].sort().map((reason) => row(`  SDK: ${reason}`, 'attempts', (r) => r.sdkRefused[reason] ?? 0, 'lower')),
      row('event-loop delay p99 during the storm', 'ms', (r) => r.loopLagP99Ms, 'lower', (g) => ({ text: '≤ 200 ms', met: g.loopLagP99Ms === undefined ? undefined : g.loopLagP99Ms <= 200 })),
      row('event-loop delay max during the storm', 'ms', (r) => r.loopLagMaxMs, 'lower'),
      row('server CPU until all back', 'CPU-s', (r) => r.serverCpuSeconds, 'lower'),
      row('client processes\' CPU until all back', 'CPU-s', (r) => r.clientCpuSeconds, 'none'),
      row('time until all back (or the timeout)', 's', (r) => r.windowMs / 1000, 'lower'),
      row('listen queue overflows (kernel, SYNs dropped)', 'SYNs', (r) => r.listenOverflows, 'lower'),
      row('SDK sends queued (while disconnected)', 'sends', (r) => r.sends.whileDisconnected, 'none'),
      row('SDK sends stored exactly once', 'sends', (r) => r.sends.storedOnce, 'higher'),
      row('SDK sends lost', 'sends', (r) => r.sends.lost, 'lower', (g) => ({ text: '0', met: g.sends.queued > 0 && g.sends.lost === 0 })),
      row('SDK sends stored twice or more', 'sends', (r) => r.sends.duplicated, 'lower', (g) => ({ text: '0', met: g.sends.duplicated === 0 })),
      row('SDK sends not acknowledged', 'sends', (r) => sum(r.sends.failed), 'lower'),
    );
  }
  return figures;
}

const ms = (value: number | undefined) => (value === undefined ? undefined : value / 1000);
