import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port.js';

/** Finds a server binary on PATH or in the sbin folders Debian installs them to. */
export function findBinary(name: string, override?: string): string {
  if (override) return override;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found on PATH or in /usr/sbin: install it (see README, "Running the tests")`);
}

export interface ServerProcess extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Stops it with SIGTERM and waits for the exit. */
  stop(): Promise<void>;
  /** Kills it with SIGKILL (a crash) and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  readonly running: boolean;
  /** The running server's process id (undefined while stopped). */
  readonly pid: number | undefined;
}

export interface ServerProcessSpec {
  readonly binary: string;
  readonly scheme: string;
  /** Command-line arguments for a port and a private data directory. */
  readonly args: (port: number, dataDir: string) => string[];
  /** A fixed port (e.g. one a service under test was told to use before the server existed); by default a free one. */
  readonly port?: number;
}

/** Runs a private server (nats-server, redis-server) on a free port, for tests that stop or kill one. */
export async function startServerProcess(spec: ServerProcessSpec): Promise<ServerProcess> {
  const port = spec.port ?? (await freePort());
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sb-srv-'));
  let child: ChildProcess | undefined;
  let output = '';

  const exited = (proc: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });

  const start = async () => {
    if (child) return;
    const proc = spawn(spec.binary, spec.args(port, dataDir), { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    child = proc;
    try {
      await waitForPort(port);
    } catch (error) {
      proc.kill('SIGKILL');
      throw new Error(`${spec.binary} did not start: ${(error as Error).message}\n${output}`);
    }
  };
  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    if (!proc) return;
    proc.kill(sig);
    await exited(proc);
    child = undefined;
  };
  const dispose = async () => {
    await signal('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  };

  await start();
  return {
    port,
    url: `${spec.scheme}://127.0.0.1:${port}`,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    [Symbol.asyncDispose]: dispose,
  };
}
