/**
 * Groups writes that arrive while the previous one runs: `record(item)` resolves once a write that included it
 * committed (or rejects with its error). One write at a time, each taking everything queued, so a burst of
 * answers costs a few statements instead of one each, and a lone answer is written at once.
 */
export function createBatchWriter<T>(write: (items: readonly T[]) => Promise<void>, maxBatch = 500): { record(item: T): Promise<void> } {
  let queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;
  const flush = async () => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await write(batch.map((q) => q.item));
        for (const q of batch) q.resolve();
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    writing = false;
  };
  return {
    record(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!writing) void flush();
      });
    },
  };
}
