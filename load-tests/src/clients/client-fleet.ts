import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from '@switchboard/runtime';
import { createHistogram, type Histogram } from '../measure/histogram.js';
import { pinnedCommand } from '../pin.js';
import type { ClientWorkerStats, FromClientWorker, SocketSpec, StormStats, ToClientWorker } from './worker-messages.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./client-worker.js', import.meta.url));

export interface ClientFleetOptions {
  /** Client processes; each binds its own source address 127.0.0.(2 + i) and may hold up to ~19,000 sockets. */
  readonly workers: number;
  /** taskset CPU list for the client processes (keep them off the server's CPU). */
  readonly cpus?: string | undefined;
}

export interface TagSummary {
  readonly received: number;
  readonly sendToClient: Histogram;
  readonly createdToClient: Histogram;
}

export interface FleetStats {
  readonly open: number;
  readonly connected: number;
  readonly drops: number;
  readonly connectErrors: Record<string, number>;
  readonly handshake: Histogram;
  readonly tags: ReadonlyMap<string, TagSummary>;
  readonly protocolErrors: number;
}

/** A storm's record, all workers together, since `stormMark()`. */
export interface FleetStorm {
  readonly sockets: number;
  readonly open: number;
  /** When each socket that came back got `connected` again (epoch ms), one entry per socket. */
  readonly backAt: number[];
  readonly handshake: Histogram;
  readonly refused: Record<string, number>;
}

export interface ClientFleet extends AsyncDisposable {
  /**
   * Opens `sockets` against `url` (spread evenly over the workers); resolves when every first handshake ended.
   * `reconnect`: each socket reconnects after a drop or a failed attempt with the SDK's delays, until `closeSockets()`.
   */
  open(url: string, sockets: readonly SocketSpec[], options?: { concurrencyPerWorker?: number; timeoutMs?: number; reconnect?: boolean }): Promise<FleetStats>;
  snapshot(): Promise<FleetStats>;
  /** Starts a storm's record over (which sockets came back, their handshakes, refused attempts). */
  stormMark(): Promise<void>;
  /** Cuts every open socket at once from the client side; resolves with how many were open. */
  cut(): Promise<number>;
  stormStats(): Promise<FleetStorm>;
  /** Closes every socket (the workers stay, ready for the next `open`). */
  closeSockets(): Promise<void>;
  readonly pids: readonly number[];
}

/** The workers' source addresses: loopback only (127.0.0.0/8 needs no configuration on Linux). */
export const sourceAddress = (worker: number) => `127.0.0.${2 + worker}`;

export async function startClientFleet(options: ClientFleetOptions): Promise<ClientFleet> {
  const children: ChildProcess[] = [];
  const waiters = new Map<ChildProcess, ((message: FromClientWorker) => void)[]>();
  for (let i = 0; i < options.workers; i++) {
    const [command, ...args] = pinnedCommand([process.execPath, WORKER_SCRIPT], options.cpus);
    const child = spawn(command!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: FromClientWorker) => waiters.get(child)?.shift()?.(message));
    waiters.set(child, []);
    children.push(child);
  }
  const ask = (child: ChildProcess, message: ToClientWorker) =>
    new Promise<FromClientWorker>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`client worker ${child.pid} is gone`));
      waiters.get(child)!.push(resolve);
      child.send(message);
    });
  const merge = (all: readonly ClientWorkerStats[]): FleetStats => {
    const handshake = createHistogram();
    const tags = new Map<string, { received: number; sendToClient: Histogram; createdToClient: Histogram }>();
    const connectErrors: Record<string, number> = {};
    let open = 0;
    let connected = 0;
    let drops = 0;
    let protocolErrors = 0;
    for (const s of all) {
      open += s.open;
      connected += s.connected;
      drops += s.drops;
      protocolErrors += s.protocolErrors;
      handshake.merge(s.handshake);
      for (const [reason, n] of Object.entries(s.connectErrors)) connectErrors[reason] = (connectErrors[reason] ?? 0) + n;
      for (const [tag, t] of Object.entries(s.tags)) {
        let entry = tags.get(tag);
        if (!entry) tags.set(tag, (entry = { received: 0, sendToClient: createHistogram(), createdToClient: createHistogram() }));
        entry.received += t.received;
        entry.sendToClient.merge(t.sendToClient);
        entry.createdToClient.merge(t.createdToClient);
      }
    }
    return { open, connected, drops, connectErrors, handshake, tags, protocolErrors };
  };
  const statsOf = (message: FromClientWorker) => ('stats' in message ? message.stats : undefined)!;

  const closeSockets = async () => {
    await Promise.all(children.map((child) => ask(child, { type: 'close' }).catch(() => undefined)));
  };
  return {
    pids: children.map((c) => c.pid!),
    async open(url, sockets, extra = {}) {
      const per = Math.ceil(sockets.length / children.length);
      const answers = await Promise.all(
        children.map((child, i) =>
          ask(child, {
            type: 'open',
            url,
            localAddress: sourceAddress(i),
            sockets: sockets.slice(i * per, (i + 1) * per),
            concurrency: extra.concurrencyPerWorker ?? 50,
            timeoutMs: extra.timeoutMs ?? 30_000,
            reconnect: extra.reconnect ?? false,
          }),
        ),
      );
      return merge(answers.map(statsOf));
    },
    async snapshot() {
      return merge((await Promise.all(children.map((child) => ask(child, { type: 'snapshot' })))).map(statsOf));
    },
    async stormMark() {
      await Promise.all(children.map((child) => ask(child, { type: 'storm-mark' })));
    },
    async cut() {
      const answers = await Promise.all(children.map((child) => ask(child, { type: 'cut' })));
      return answers.reduce((sum, a) => sum + ('cut' in a ? a.cut : 0), 0);
    },
    async stormStats() {
      const all = (await Promise.all(children.map((child) => ask(child, { type: 'storm-stats' })))).map((a) => ('storm' in a ? a.storm : undefined)!);
      const handshake = createHistogram();
      const refused: Record<string, number> = {};
      const backAt: number[] = [];
      let sockets = 0;
      let open = 0;
      for (const s of all as StormStats[]) {
        sockets += s.sockets;
        open += s.open;
        backAt.push(...s.backAt);
        handshake.merge(s.handshake);
        for (const [reason, n] of Object.entries(s.refused)) refused[reason] = (refused[reason] ?? 0) + n;
      }
      return { sockets, open, backAt, handshake, refused };
    },
    closeSockets,
    async [Symbol.asyncDispose]() {
      await closeSockets();
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.disconnect();
          await Promise.race([exited, sleep(3000)]);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      }
    },
  };
}
