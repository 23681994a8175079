/** Each retry waits its scheduled delay ± this share, so endpoints that failed together do not retry together. */
export const RETRY_JITTER = 0.2;

/**
 * When the attempt after `attempts` failed ones is due (`WEBHOOKS_RETRY_SCHEDULE`: the delay before each retry, so
 * n delays mean n + 1 attempts), or `undefined` after the last: the delivery is then `failed`.
 */
export function nextRetryDelayMs(schedule: readonly number[], attempts: number, random: () => number = Math.random): number | undefined {
  const delay = schedule[attempts - 1];
  if (delay === undefined) return undefined;
  return Math.round(delay * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
}
