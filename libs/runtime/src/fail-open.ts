export interface FailOpenOptions {
  /** A limit could not be checked and let the request through: count it (a metric). */
  readonly onFailOpen: (limit: string, error: unknown) => void;
  /** The first failure of an outage: one log line, not one per request. */
  readonly onOutage: (error: unknown) => void;
  /** The first success after an outage, with how many checks failed open meanwhile. */
  readonly onRecovered: (failures: number) => void;
  /** A check that has not answered within this long fails open (a store that hangs must not stall requests). */
  readonly timeoutMs: number;
}

/**
 * Runs the checks of a service's limits against their store (Redis) so that an outage never refuses everyone: a
 * check that fails or hangs lets the request through, is counted, and the outage is logged once when it starts and
 * once when it ends. One per service, shared by all its limits, so an outage is one line whatever the number of limits.
 */
export interface FailOpen {
  /** `check`'s answer, or `fallback` (the answer that allows) when it fails or takes longer than the timeout. */
  run<T>(limit: string, check: () => Promise<T>, fallback: T): Promise<T>;
}

export function createFailOpen(options: FailOpenOptions): FailOpen {
  let failures = 0;
  return {
    async run(limit, check, fallback) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
          }),
        ]);
        if (failures > 0) {
          const failed = failures;
          failures = 0;
          options.onRecovered(failed);
        }
        return answer;
      } catch (error) {
        if (failures++ === 0) options.onOutage(error);
        options.onFailOpen(limit, error);
        return fallback;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The log lines a service's limits write (a pino logger fits). */
export interface LimitsLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface LimitsFailOpenOptions {
  /** Counts a check that let the request through, by limit (`switchboard_<service>_limits_fail_open_total{limit}`). */
  readonly failedOpen: { inc(labels: { limit: string }): void };
  /** The service's logger for its limits (`component: 'limits'`). */
  readonly log: LimitsLog;
  /** What stops applying during an outage, for the two log lines: e.g. `'rate and authentication-failure limits'`. */
  readonly limits: string;
  /** @default 500 (a limit check Redis has not answered within this lets the request through) */
  readonly timeoutMs?: number;
}

/**
 * A service's one fail-open policy for its limits: a check that fails or hangs allows the request, counted by
 * limit and logged at debug; an outage is one warning when it starts and one line when the limits apply again.
 */
export function createLimitsFailOpen(options: LimitsFailOpenOptions): FailOpen {
  const { failedOpen, log, limits } = options;
  return createFailOpen({
    timeoutMs: options.timeoutMs ?? 500,
    onFailOpen: (limit, error) => {
      failedOpen.inc({ limit });
      log.debug({ err: error, limit }, 'limit not checked');
    },
    onOutage: (error) => log.warn({ err: error }, `Redis unavailable: ${limits} are not applied (failing open)`),
    onRecovered: (failures) => log.info({ failures }, `${limits} are applied again`),
  });
}
