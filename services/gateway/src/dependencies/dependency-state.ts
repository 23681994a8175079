import type { Logger } from '@switchboard/logger';

/** Whether a dependency answers, as `/readyz` reports it, with one log line per change (not per retry). */
export interface DependencyState {
  readonly name: string;
  ok(): boolean;
  /** It answers (again). Logged once: when it came up after waiting, or came back after being lost. */
  up(): void;
  /** It does not answer. Logged once until it is up again: "waiting for" at start, "lost" after it was up. */
  down(error: unknown): void;
}

/**
 * `target` is where the dependency is looked for (host:port, never credentials): the log says which one is waited
 * for and why, so an operator sees at once which variable is wrong or which server is missing.
 */
export function createDependencyState(name: string, target: string, logger: Logger): DependencyState {
  // No `component` of its own: the caller's logger names the service part (embedded mode has several).
  const log = logger.child({ dependency: name, target });
  let state: 'starting' | 'up' | 'down' = 'starting';
  let wasUp = false;
  return {
    name,
    ok: () => state === 'up',
    up() {
      if (state === 'up') return;
      if (state === 'down') log.info(wasUp ? `${name} is back` : `${name} is reachable now`);
      else log.debug(`${name} connected`);
      state = 'up';
      wasUp = true;
    },
    down(error) {
      if (state === 'down') return;
      const err = describe(error);
      if (wasUp) log.warn({ error: err }, `lost ${name}; retrying`);
      else log.warn({ error: err }, `waiting for ${name}; retrying`);
      state = 'down';
    },
  };
}

/** A URL's host and port, without user, password or token. */
export function targetOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host;
  } catch {
    return '(unparseable URL)';
  }
}

function describe(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? { message: error.message, code } : { message: error.message };
  }
  return { message: String(error) };
}
