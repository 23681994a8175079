export interface BackoffOptions {
  /** First retry's ceiling. @default 500 */
  readonly baseMs?: number;
  /** Largest ceiling. @default 30000 */
  readonly maxMs?: number;
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, base × 2^attempt)], so that many clients
 * dropped at once do not come back at once. `attempt` starts at 0.
 */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
