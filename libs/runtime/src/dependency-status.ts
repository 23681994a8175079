import type { Logger } from '@switchboard/logger';

/** The states `/readyz` reports for a dependency (CONTRACT.md, second release, "Operations"). */
export type DependencyState = 'ok' | 'down';

export interface DependencyOptions {
  /** Where it is, for the logs: host, port, database; never a password. */
  readonly target: string;
  /** Whether the service can serve without it: a required one that is down makes `/readyz` 503. */
  readonly required: boolean;
}

/**
 * What the service knows of each dependency, fed by whoever talks to it (the database probe, the NATS status
 * stream, the Redis client's events), read by `/readyz`. It logs transitions only, one line each: "waiting for"
 * when the first attempt fails, "connected to" when it first succeeds, "lost" when a dependency that was up goes
 * down, "is back" when it returns. Repeated failures in between are debug lines, so an outage never floods the logs.
 */
export interface DependencyStatus {
  register(name: string, options: DependencyOptions): void;
  up(name: string): void;
  /** `cause`: the error, named the way an operator would search for it (`ECONNREFUSED`, `3D000 …`). */
  down(name: string, cause: string): void;
  state(name: string): DependencyState;
  /** Every registered dependency's state, in registration order. */
  checks(): Record<string, DependencyState>;
  /** Whether every required dependency is up. */
  requiredUp(): boolean;
  /** Calls `listener` with a dependency's name each time it comes back up after being down (not at its first connection). */
  onBack(listener: (name: string) => void): void;
}

interface Entry {
  readonly options: DependencyOptions;
  state: DependencyState;
  /** Up at least once: a failure after that is "lost", before it "waiting for". */
  seenUp: boolean;
  /** A failure was logged since the last transition. */
  reported: boolean;
}

export function createDependencyStatus(logger: Logger): DependencyStatus {
  // No `component` of its own: the caller's logger names the service part (embedded mode has several).
  const log = logger;
  const entries = new Map<string, Entry>();
  const backListeners: ((name: string) => void)[] = [];
  const entry = (name: string) => {
    const found = entries.get(name);
    if (!found) throw new Error(`dependency ${name} is not registered`);
    return found;
  };
  return {
    register(name, options) {
      if (!entries.has(name)) entries.set(name, { options, state: 'down', seenUp: false, reported: false });
    },
    up(name) {
      const e = entry(name);
      if (e.state === 'ok') return;
      const fields = { dependency: name, target: e.options.target };
      if (!e.seenUp) log.info(fields, `connected to ${name} at ${e.options.target}`);
      else log.info(fields, `${name} is back at ${e.options.target}`);
      const back = e.seenUp;
      e.state = 'ok';
      e.seenUp = true;
      e.reported = false;
      if (back) for (const listener of backListeners) listener(name);
    },
    down(name, cause) {
      const e = entry(name);
      const fields = { dependency: name, target: e.options.target, cause };
      const wasUp = e.state === 'ok';
      e.state = 'down';
      if (wasUp) {
        log.warn(fields, `lost ${name} at ${e.options.target}: ${cause}`);
        e.reported = true;
      } else if (!e.reported) {
        log.warn(fields, `waiting for ${name} at ${e.options.target}: ${cause}`);
        e.reported = true;
      } else {
        log.debug(fields, `${name} still unreachable`);
      }
    },
    state: (name) => entry(name).state,
    checks: () => Object.fromEntries([...entries].map(([name, e]) => [name, e.state])),
    onBack: (listener) => void backListeners.push(listener),
    requiredUp: () => [...entries.values()].every((e) => !e.options.required || e.state === 'ok'),
  };
}

/**
 * A dependency's error as `down`'s cause: its code (`ECONNREFUSED`, also from a wrapping error's `cause`, as fetch
 * and nats.js wrap socket errors) and its message, the code once.
 */
export function describeDependencyError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
