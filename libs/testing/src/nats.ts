import { findBinary, startServerProcess, type ServerProcess } from './process-server.js';

export interface NatsServerOptions {
  /** Clients must authenticate: with this user and password (`--user`/`--pass`), or this token (`--auth`). */
  readonly auth?: { readonly user: string; readonly pass: string } | { readonly token: string };
  /** A server configuration file (`-c`), e.g. accounts or operator mode. */
  readonly configFile?: string;
  /** A fixed port (a test that starts the server where a service already waits for it); a free one by default. */
  readonly port?: number;
}

/**
 * A private `nats-server -js` on a free port with its own store directory (kept across stop/start). Its `url` never
 * carries the credentials of `auth`: tests add them where they mean to.
 */
export function startNatsServer(options: NatsServerOptions = {}): Promise<ServerProcess> {
  const auth = !options.auth ? [] : 'token' in options.auth ? ['--auth', options.auth.token] : ['--user', options.auth.user, '--pass', options.auth.pass];
  return startServerProcess({
    ...options,
    binary: findBinary('nats-server', process.env.NATS_SERVER_BIN),
    scheme: 'nats',
    args: (port, dir) => [
      ...(options.configFile ? ['-c', options.configFile] : []),
      '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, ...auth,
    ],
  });
}

/** The shared NATS for tests that only publish and subscribe on unique subjects. */
export function sharedNatsUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.NATS_URL ?? 'nats://127.0.0.1:4222';
}
