import { spawn, type ChildProcess } from 'node:child_process';
import type { ListeningReport } from '@switchboard/runtime';
import { waitFor } from './wait-for.js';

export interface ServiceProcess extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Every port the process reported (`reportListening`), by variable: `npm start` reports both of its ports. */
  readonly reportedPorts: Readonly<Record<string, number>>;
  /** Everything the process printed so far (stdout and stderr). */
  logs(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends a signal (SIGTERM for a drain, SIGKILL for a crash) without waiting. */
  signal(signal: NodeJS.Signals): void;
  readonly running: boolean;
}

export interface ServiceProcessOptions {
  /** The built entry point, e.g. services/gateway/dist/main.js. */
  readonly script: string;
  /** The variable that carries the port: `0` unless `port` is given, and the service reports the port it bound. */
  readonly portVariable: string;
  readonly env: Record<string, string>;
  /** A fixed port (a restart on the same address); by default the OS picks one. */
  readonly port?: number;
  /** Node options before the script, e.g. `--cpu-prof` (which NODE_OPTIONS does not take). */
  readonly nodeArgs?: readonly string[];
  /** @default '/readyz' */
  readonly readyPath?: string;
  /** @default 20000 */
  readonly startTimeoutMs?: number;
}

/**
 * Runs a built service as its own process and waits for its readiness probe: the black-box way to test it, and the
 * only way to run several uWS gateway nodes side by side (see STYLE.md). It listens on port 0 (or `port`) and tells
 * the port it bound over an IPC channel (`reportListening` of `@switchboard/runtime`), so no port is guessed.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { PATH: process.env.PATH ?? '', ...options.env, [options.portVariable]: String(options.port ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let port = options.port;
  const reportedPorts: Record<string, number> = {};
  child.on('message', (message: Partial<ListeningReport>) => {
    if (message?.type !== 'listening' || message.variable === undefined || message.port === undefined) return;
    reportedPorts[message.variable] = message.port;
    if (message.variable === options.portVariable) port = message.port;
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running = false;
      resolve(code);
    }),
  );
  const urlOf = (bound: number) => `http://127.0.0.1:${bound}`;
  try {
    await waitFor(
      async () => {
        if (!running) throw new Error(`exited early:\n${output}`);
        if (port === undefined) throw new Error(`${options.portVariable} not reported yet (see reportListening)`);
        const response = await fetch(urlOf(port) + (options.readyPath ?? '/readyz')).catch(() => undefined);
        await response?.text();
        return response?.status === 200;
      },
      { timeoutMs: options.startTimeoutMs ?? 20_000, intervalMs: 50, message: `${options.script} ready` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- output ---\n${output.slice(-4000)}`);
  }
  // The channel was only for the report: it must not keep either process alive.
  child.removeAllListeners('message');
  if (child.connected) child.disconnect();
  return {
    port: port!,
    url: urlOf(port!),
    pid: child.pid!,
    reportedPorts: Object.freeze({ ...reportedPorts }),
    logs: () => output,
    exited,
    signal: (signal) => {
      if (running) child.kill(signal);
    },
    get running() {
      return running;
    },
    async [Symbol.asyncDispose]() {
      if (running) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** SIGTERM (so a `--cpu-prof` profile is written), SIGKILL if it is not gone within `timeoutMs`. */
export async function stopGracefully(proc: ServiceProcess, timeoutMs = 10_000): Promise<void> {
  proc.signal('SIGTERM');
  const timer = setTimeout(() => proc.signal('SIGKILL'), timeoutMs);
  await proc.exited;
  clearTimeout(timer);
}
