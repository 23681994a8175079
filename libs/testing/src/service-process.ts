import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface ServiceProcess extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
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
  /** The variable that carries the port (a free one is chosen). */
  readonly portVariable: string;
  readonly env: Record<string, string>;
  /** A fixed port (a restart on the same address); by default a free one. */
  readonly port?: number;
  /** Node options before the script, e.g. `--cpu-prof` (which NODE_OPTIONS does not take). */
  readonly nodeArgs?: readonly string[];
  /** @default '/readyz' */
  readonly readyPath?: string;
  /** @default 20000 */
  readonly startTimeoutMs?: number;
}

/**
 * Runs a built service as its own process on a free port and waits for its readiness probe: the black-box way to
 * test it, and the only way to run several uWS gateway nodes side by side (see STYLE.md).
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { PATH: process.env.PATH ?? '', ...options.env, [options.portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
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
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (!running) throw new Error(`exited early:\n${output}`);
        const response = await fetch(url + (options.readyPath ?? '/readyz')).catch(() => undefined);
        await response?.text();
        return response?.status === 200;
      },
      { timeoutMs: options.startTimeoutMs ?? 20_000, intervalMs: 50, message: `${options.script} ready` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- output ---\n${output.slice(-4000)}`);
  }
  return {
    port,
    url,
    pid: child.pid!,
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
