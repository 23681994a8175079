import { sleep } from '@switchboard/runtime';

export interface WaitForOptions {
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** @default 20 */
  readonly intervalMs?: number;
  readonly message?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` (or stops throwing), and returns it.
 * The last error or value is reported when the time runs out.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`${options.message ?? 'condition'} not met after ${timeoutMs} ms (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

/** The runtime's sleep, for tests. */
export { sleep };
