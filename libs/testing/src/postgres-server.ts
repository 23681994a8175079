import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeStablePort, waitForPort } from './free-port.js';

const execFile = promisify(execFileCb);

/** Where Debian installs the server binaries (`POSTGRES_BIN_DIR` overrides). */
const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';

export interface PostgresServer extends AsyncDisposable {
  readonly port: number;
  /** The superuser's URL (trust auth), database `postgres`: what `createTestDatabase` takes as its admin URL. */
  readonly url: string;
  /** `pg_ctl stop -m fast`: clients are disconnected, the data kept. */
  stop(): Promise<void>;
  /** `pg_ctl stop -m immediate`: a crash (recovery runs at the next start). */
  crash(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  readonly running: boolean;
}

/**
 * A private Postgres cluster (`initdb` in a temp directory, `pg_ctl` on a port below the ephemeral range) for a test
 * that stops or crashes the database: never the machine's shared server. It trusts local connections, keeps no
 * durability it does not need (`fsync=off`), and is removed when disposed. Run as root, it runs as `postgres`.
 */
export async function startPostgresServer(options: { binDir?: string } = {}): Promise<PostgresServer> {
  const bin = (name: string) => path.join(options.binDir ?? process.env.POSTGRES_BIN_DIR ?? DEFAULT_BIN_DIR, name);
  const port = await freeStablePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-pg-'));
  const dataDir = path.join(dir, 'data');
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) await chown(dir, owner.uid, owner.gid);
  const run = (name: string, args: string[]) => execFile(bin(name), args, { ...(owner ?? {}), cwd: dir, env: { PATH: process.env.PATH ?? '', LANG: 'C' } });

  let running = false;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', dataDir, ...args]);
  const start = async () => {
    if (running) return;
    await pgCtl('-l', path.join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start');
    running = true;
    await waitForPort(port);
  };
  const stopWith = async (mode: 'fast' | 'immediate') => {
    if (!running) return;
    await pgCtl('-m', mode, '-w', 'stop');
    running = false;
  };

  try {
    await run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await appendFile(path.join(dataDir, 'postgresql.conf'), 'fsync = off\nfull_page_writes = off\nmax_connections = 200\n');
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const dispose = async () => {
    await stopWith('immediate').catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => stopWith('fast'),
    crash: () => stopWith('immediate'),
    start,
    get running() {
      return running;
    },
    [Symbol.asyncDispose]: dispose,
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}
