/**
 * One timing structure per process for every socket that must end at a given second (a token's `exp` + leeway, a
 * rotated-out credential's end of grace): buckets keyed by the deadline's epoch second, swept by one interval. A
 * socket costs one entry in its bucket and one in the index (to move or remove it); sockets without a deadline
 * are never in it. There is no timer per socket: memory per connection is the gateway's budget.
 *
 * A due item is taken out before `onDue` runs, so `onDue` may register it again (a deadline moved meanwhile).
 */
export interface SessionDeadlines<T> {
  /** Sets (or moves) `item`'s deadline, in epoch seconds; `undefined` removes it. A deadline already passed is due at the next sweep. */
  set(item: T, deadlineSeconds: number | undefined): void;
  delete(item: T): void;
  /** The deadline `item` is registered with, if any. */
  deadlineOf(item: T): number | undefined;
  /** Hands every item whose deadline is at or before now to `onDue`; what the interval runs. */
  sweep(): void;
  /** Starts the interval (unref'd). */
  start(): void;
  stop(): void;
  readonly size: number;
}

export interface SessionDeadlinesOptions<T> {
  /** Called once for each item whose deadline came. */
  readonly onDue: (item: T) => void;
  /** The clock, in epoch milliseconds (a fake one in tests). @default Date.now */
  readonly now?: () => number;
  /** How often `start()` sweeps. @default 1000 */
  readonly intervalMs?: number;
}

export function createSessionDeadlines<T extends object>(options: SessionDeadlinesOptions<T>): SessionDeadlines<T> {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const buckets = new Map<number, Set<T>>();
  const index = new Map<T, number>();
  // The last second swept: every bucket before it is gone; a deadline set before it goes in its bucket, which the
  // next sweep looks at again (so a deadline already passed is due at the next sweep).
  let cursor = nowSeconds();
  let timer: NodeJS.Timeout | undefined;

  const remove = (item: T) => {
    const second = index.get(item);
    if (second === undefined) return;
    index.delete(item);
    const bucket = buckets.get(second);
    bucket?.delete(item);
    if (bucket?.size === 0) buckets.delete(second);
  };

  const sweep = () => {
    const current = nowSeconds();
    if (current < cursor) return;
    const due: T[] = [];
    const take = (second: number, bucket: Set<T>) => {
      buckets.delete(second);
      for (const item of bucket) {
        index.delete(item);
        due.push(item);
      }
    };
    // Normally one second passed: look at its bucket alone. After a long pause, look at each bucket once instead.
    if (current - cursor < buckets.size) {
      for (let second = cursor; second <= current; second++) {
        const bucket = buckets.get(second);
        if (bucket) take(second, bucket);
      }
    } else {
      for (const [second, bucket] of buckets) if (second <= current) take(second, bucket);
    }
    cursor = current;
    // Taken out before any runs, so `onDue` may set a new deadline.
    for (const item of due) options.onDue(item);
  };

  return {
    set(item, deadlineSeconds) {
      if (deadlineSeconds === undefined) return remove(item);
      const second = Math.max(Math.floor(deadlineSeconds), cursor);
      if (index.get(item) === second) return;
      remove(item);
      index.set(item, second);
      let bucket = buckets.get(second);
      if (!bucket) buckets.set(second, (bucket = new Set()));
      bucket.add(item);
    },
    delete: remove,
    deadlineOf: (item) => index.get(item),
    sweep,
    start() {
      if (timer) return;
      timer = setInterval(sweep, options.intervalMs ?? 1000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    get size() {
      return index.size;
    },
  };
}
