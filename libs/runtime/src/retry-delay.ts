/**
 * The delay before attempt `attempt + 1` at reaching a dependency: doubling from `initialMs`, capped at `maxMs`,
 * with jitter (half fixed, half random) so that replicas started together do not retry in step.
 */
export function retryDelayMs(attempt: number, initialMs = 250, maxMs = 5000): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
