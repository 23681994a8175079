import { ConfigError } from '@switchboard/config';

/** Stops what `start` started, in order; resolves when the process may exit. */
export type Shutdown = (signal: NodeJS.Signals) => Promise<void>;

/** What `start` may use once running. */
export interface ServiceContext {
  /**
   * Ends the process like a failed start (one report, exit 1), for a failure found after `start` resolved or in
   * something it did not await: e.g. NATS refusing the credentials once it is reachable.
   */
  fail(error: unknown): void;
}

export interface RunServiceOptions {
  /** Refuse to start on any other Node major (the uWS build we depend on ships Node 20 binaries only). */
  readonly nodeMajor?: number;
  /** Where failures are reported; the service's own logger takes over once `start` has built it. */
  readonly stderr?: NodeJS.WritableStream;
  /** Called when shutting down fails, with the error. */
  readonly onShutdownError?: (error: unknown) => void;
}

/**
 * The process lifecycle every entry point shares: start the service; a configuration error prints every problem
 * and exits 1; any other start failure prints its stack and exits 1; SIGTERM/SIGINT run the returned shutdown once
 * and exit 0 (1 if it fails).
 */
export function runService(name: string, start: (context: ServiceContext) => Promise<Shutdown>, options: RunServiceOptions = {}): void {
  const stderr = options.stderr ?? process.stderr;
  const fail = (message: string) => {
    stderr.write(`${name}: ${message}\n`);
    process.exitCode = 1;
  };
  if (options.nodeMajor !== undefined && Number(process.versions.node.split('.')[0]) !== options.nodeMajor) {
    fail(`Node ${process.versions.node} is not supported: run it on Node ${options.nodeMajor} (see docs/gateway.md, "Node versions")`);
    return;
  }
  const failStart = (error: unknown) => {
    if (error instanceof ConfigError) fail(error.message);
    else fail(`failed to start: ${describe(error)}`);
    process.exit(1);
  };
  start({ fail: failStart }).then(
    (shutdown) => {
      let stopping = false;
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          if (stopping) return;
          stopping = true;
          shutdown(signal).then(
            () => process.exit(0),
            (error: unknown) => {
              options.onShutdownError?.(error);
              if (!options.onShutdownError) fail(`shutdown failed: ${describe(error)}`);
              process.exit(1);
            },
          );
        });
      }
    },
    failStart,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export * from './sleep.js';
export * from './ttl-cache.js';
export * from './token-bucket.js';
export * from './report-listening.js';
export * from './client-address.js';
export * from './window-counter.js';
export * from './fail-open.js';
export * from './retry-delay.js';
export * from './dependency-status.js';
export * from './watch-redis.js';
export * from './nats-connection.js';
