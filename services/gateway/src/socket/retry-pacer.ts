/**
 * When a handshake refused for a full auth queue should come back: the `retry_after_ms` of its `connect_error`.
 * Without it, a reconnect storm's refused clients come back on their own backoff (0.5, 1, 2, 4… 30 s windows):
 * all together at first, then long after the node has room again, which left it a third busy while most of the
 * fleet waited (docs/performance.md, `storm`). With it, each refusal gets the next free slot of this node's auth
 * capacity, so the fleet comes back at the rate the node checks credentials.
 *
 * Capacity: `concurrency` calls in flight ÷ the recent mean time of one call (Little's law), so a slower messages
 * service or a busier event loop spaces the slots out by themselves. The first slot starts after the handshakes
 * already admitted (in flight and queued).
 */
export interface RetryPacer {
  /** An auth call took `ms` (from its slot to its answer). */
  observe(ms: number): void;
  /**
   * The delay for a refused handshake, `ahead` handshakes being admitted before it. Past `maxDelayMs` no slot is
   * booked: the delay is spread at random over the cap's second half, so that an overloaded node's clients do not
   * all come back at the cap together.
   */
  slot(ahead: number): number;
}

export interface RetryPacerOptions {
  /** Auth calls in flight at most (`AUTH_CONCURRENCY`, > 0). */
  readonly concurrency: number;
  /** What one call is assumed to take before any was timed. @default 100 */
  readonly initialCallMs?: number;
  /** The longest delay given. @default 60000 */
  readonly maxDelayMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
}

/** Weight of the newest call time in the running mean: about the last 50 calls count. */
const SMOOTHING = 0.02;

export function createRetryPacer(options: RetryPacerOptions): RetryPacer {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const concurrency = Math.max(1, options.concurrency);
  let meanCallMs = options.initialCallMs ?? 100;
  /** The next free slot (epoch ms); in the past once the node had room for a while. */
  let nextSlot = 0;

  return {
    observe(ms) {
      if (Number.isFinite(ms) && ms >= 0) meanCallMs += (Math.max(1, ms) - meanCallMs) * SMOOTHING;
    },
    slot(ahead) {
      const at = now();
      const spacing = meanCallMs / concurrency;
      nextSlot = Math.max(nextSlot, at + ahead * spacing);
      const delay = nextSlot - at;
      if (delay > maxDelayMs) return Math.ceil(maxDelayMs * (0.5 + random() / 2));
      nextSlot += spacing;
      return Math.ceil(delay);
    },
  };
}
