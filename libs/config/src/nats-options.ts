import { readFileSync } from 'node:fs';
import { AuthorizationError, credsAuthenticator, UserAuthenticationExpiredError, type ConnectionOptions } from '@nats-io/transport-node';
import { ConfigError } from './env.js';

/**
 * A configuration error about NATS credentials, reported on one line (`<service>: <problem>`): refused credentials
 * and an unreadable creds file (CONTRACT.md, second release: "refused credentials are configuration errors").
 */
export class NatsCredentialsError extends ConfigError {
  constructor(problem: string) {
    super([problem]);
    this.name = 'NatsCredentialsError';
    this.message = problem;
  }
}

/** What `natsConnectionOptions` gives `connect()`: the server and how to authenticate, nothing else. */
export type NatsAuthOptions = Pick<ConnectionOptions, 'servers' | 'user' | 'pass' | 'token' | 'authenticator'>;

export interface NatsAuthSettings {
  /** `NATS_URL`: `nats://host:port`, `nats://user:pass@host:port` or `nats://token@host:port` (percent-encoded). */
  readonly url: string;
  /** `NATS_CREDS`: path of a credentials file (user JWT and seed), e.g. one made by `nsc`. */
  readonly credsFile?: string;
}

/**
 * Turns `NATS_URL` and `NATS_CREDS` into `connect()` options. nats.js ignores credentials written in a server URL
 * (it connects without them and the server answers "Authorization Violation"), so they are taken out of the URL here
 * and passed as `user`/`pass` (both given) or `token` (a user part alone), the way the NATS CLI and Go client read
 * such URLs. The credentials file is read once, now; an unreadable one is a configuration error.
 */
export function natsConnectionOptions(settings: NatsAuthSettings): NatsAuthOptions {
  const url = new URL(settings.url);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const options: { -readonly [K in keyof NatsAuthOptions]: NatsAuthOptions[K] } = { servers: redactNatsUrl(settings.url) };
  if (user && url.password !== '') Object.assign(options, { user, pass });
  else if (user) options.token = user;
  if (settings.credsFile) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(settings.credsFile);
    } catch (error) {
      throw new NatsCredentialsError(`NATS_CREDS: cannot read ${settings.credsFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (!/-----BEGIN NATS USER JWT-----/.test(new TextDecoder().decode(creds))) {
      throw new NatsCredentialsError(`NATS_CREDS: ${settings.credsFile} is not a NATS credentials file (no user JWT in it)`);
    }
    options.authenticator = credsAuthenticator(creds);
  }
  return options;
}

/** The URL without its credentials: the only form of `NATS_URL` that may be logged. */
export function redactNatsUrl(value: string): string {
  const url = new URL(value);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/**
 * A refusal by the NATS server of the credentials we sent (wrong user, password, token or creds file, or an expired
 * user JWT) as the configuration error it is (CONTRACT.md, second release: refused credentials end the service with
 * one line); any other error is returned as it is.
 */
export function natsAuthFailure(error: unknown, settings: NatsAuthSettings): unknown {
  if (!(error instanceof AuthorizationError || error instanceof UserAuthenticationExpiredError)) return error;
  const given = settings.credsFile ? `NATS_CREDS (${settings.credsFile})` : 'NATS_URL';
  return new NatsCredentialsError(`NATS at ${redactNatsUrl(settings.url)} refused the credentials of ${given}: ${error.message}`);
}

/**
 * Calls `handle` if NATS closes the connection for good because it refused our credentials at run time (they were
 * revoked or rotated on the server: nats.js stops reconnecting after the second refusal). Composition roots end the
 * process with it, as for credentials refused at start; a drain or close of our own calls nothing.
 */
export function onNatsCredentialsRefused(
  nc: { closed(): Promise<void | Error> },
  settings: NatsAuthSettings,
  handle: (error: NatsCredentialsError) => void,
): void {
  void nc.closed().then((error) => {
    const refused = error ? natsAuthFailure(error, settings) : undefined;
    if (refused instanceof NatsCredentialsError) handle(refused);
  });
}
