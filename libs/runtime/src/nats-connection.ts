import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsAuthFailure, natsConnectionOptions, onNatsCredentialsRefused, type NatsAuthSettings } from '@switchboard/config';
import type { Logger } from '@switchboard/logger';
import { sleep } from './sleep.js';
import { retryDelayMs } from './retry-delay.js';
import { describeDependencyError, type DependencyStatus } from './dependency-status.js';

export interface ConnectNatsOptions {
  /** Where NATS's state is reported (`/readyz`'s `nats` check, and its transitions logged). */
  readonly status: DependencyStatus;
  /**
   * Stops trying to connect (the service is closing); the promise then never resolves. Once it is aborted, the
   * connection's end is a deliberate close, not a loss: nothing is logged.
   */
  readonly signal?: AbortSignal;
  /**
   * Whether the service cannot serve without NATS (`/readyz` 503 while it is down): the gateway, which fans events
   * out from it. Not the messages service (CONTRACT.md: the outbox holds events). Default false.
   */
  readonly required?: boolean;
}

/**
 * Connects to NATS and keeps reconnecting forever, also when the first attempt fails: the service serves writes
 * through an outage, and the outbox publishes once NATS is back. The first attempts are ours (with backoff), so
 * that an unreachable server is logged once, naming it and the error, instead of waiting in silence; after that
 * the client reconnects by itself. Required for readiness only when `options.required` says so (the gateway).
 * Credentials come from the URL or a creds file (`natsConnectionOptions`); refused ones reject with a `ConfigError`
 * (never retried).
 */
export async function connectNats(
  server: NatsAuthSettings | string,
  name: string,
  logger: Logger,
  options: ConnectNatsOptions,
): Promise<NatsConnection> {
  const settings = typeof server === 'string' ? { url: server } : server;
  const { status } = options;
  status.register('nats', { target: natsTarget(settings.url), required: options.required ?? false });
  let nc: NatsConnection | undefined;
  for (let attempt = 0; !nc; attempt++) {
    try {
      nc = await connect({
        ...natsConnectionOptions(settings),
        name,
        maxReconnectAttempts: -1,
        // After an outage the relay publishes its backlog within about half a second of the server being back.
        reconnectTimeWait: 500,
        // Each request (every JetStream publish) would otherwise capture two stack traces up front, ~6 % of the
        // service's CPU at full load (docs/performance.md); errors still carry their message and cause.
        noAsyncTraces: true,
      });
    } catch (error) {
      const refused = natsAuthFailure(error, settings);
      if (refused !== error) throw refused;
      status.down('nats', describeDependencyError(error));
      if (options.signal?.aborted) return new Promise<never>(() => {});
      await sleep(retryDelayMs(attempt), options.signal);
      if (options.signal?.aborted) return new Promise<never>(() => {});
    }
  }
  status.up('nats');
  const connection = nc;
  const log = logger.child({ component: 'nats' });
  void (async () => {
    for await (const event of connection.status()) {
      if (event.type === 'disconnect') status.down('nats', 'disconnected');
      else if (event.type === 'reconnect') status.up('nats');
      else log.debug({ status: event.type }, 'NATS status');
    }
  })()
    .catch(() => {})
    // Closed for good: no NATS from here on, unless we closed it ourselves (shutdown), which is no loss to report.
    .finally(() => {
      if (!options.signal?.aborted) status.down('nats', 'connection closed');
    });
  return connection;
}

/**
 * `connectNats` for a service: refused credentials are a configuration error whenever NATS answers (at start or
 * later, when they are revoked): `fail` ends the process with one line.
 */
export function connectServiceNats(
  settings: NatsAuthSettings,
  name: string,
  logger: Logger,
  options: ConnectNatsOptions & { readonly fail: (error: unknown) => void },
): Promise<NatsConnection> {
  const connection = connectNats(settings, name, logger, options);
  connection.then((nc) => onNatsCredentialsRefused(nc, settings, options.fail), options.fail);
  return connection;
}

/** A NATS connection made in the background and held by a service: `createServiceNats`. */
export interface ServiceNats {
  /**
   * Resolves with the connection once it is made. Never rejects: refused credentials went to `fail`, and the
   * promise then stays pending, as it does after `close()`.
   */
  readonly connection: Promise<NatsConnection>;
  /** The connection once made (for a publish that must not wait for it). */
  current(): NatsConnection | undefined;
  /** Stops reaching NATS and drains the connection if it was made; its end is not reported as a loss. */
  close(): Promise<void>;
}

/**
 * `connectServiceNats` with what a service that holds the connection needs around it (the gateway: its consumers
 * wait for the promise, its room events publish on `current()`): the stop and the drain of `close()`.
 */
export function createServiceNats(
  settings: NatsAuthSettings,
  name: string,
  logger: Logger,
  options: Omit<ConnectNatsOptions, 'signal'> & { readonly fail: (error: unknown) => void },
): ServiceNats {
  const stopping = new AbortController();
  let current: NatsConnection | undefined;
  const connection = connectServiceNats(settings, name, logger, { ...options, signal: stopping.signal }).then(
    (nc) => (current = nc),
    () => new Promise<never>(() => {}),
  );
  return {
    connection,
    current: () => current,
    async close() {
      stopping.abort();
      await drainNats(connection, logger);
    },
  };
}

/** At shutdown: drains the connection if it was made (a connection still being made is waited for 100 ms at most). */
export async function drainNats(connection: Promise<NatsConnection> | undefined, logger: Logger): Promise<void> {
  const nc = connection && (await Promise.race([connection, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]));
  await nc?.drain().catch((error: unknown) => logger.warn({ err: error }, 'NATS drain failed'));
}

/** The server list without any user, password or token a URL may carry. */
export function natsTarget(servers: string): string {
  return servers
    .split(',')
    .map((server) => {
      try {
        const url = new URL(server.trim());
        return `${url.protocol}//${url.host}`;
      } catch {
        return '(unparsable NATS_URL)';
      }
    })
    .join(',');
}
