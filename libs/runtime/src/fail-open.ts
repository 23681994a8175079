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
