import type { Logger } from '@switchboard/logger';
import { sleep } from '@switchboard/runtime';
import type { FanoutLease } from './fanout-lease.js';
import type { FanoutHandler, FanoutSource } from './fanout-handler.js';

/** The wait before a standby that could not make sure the shared consumer exists tries again. */
const PREPARE_RETRY_MS = 2000;

/**
 * A shared consumer pulled only while `lease` says so (`fanout-lease.ts`). A standby makes sure the consumer exists
 * (so nothing published meanwhile is missed, whoever pulls it later) and is ready once it knows it is a standby;
 * a leader is ready as its source is. Stopping finishes the pulls in hand, then gives the lease back.
 */
export function createLeasedFanout(source: FanoutSource, lease: FanoutLease, logger: Logger): FanoutSource {
  let handler: FanoutHandler | undefined;
  let running = false;
  let decided = false;
  let prepared = false;
  let stopping = new AbortController();
  /** Starts and stops of the source, one after the other. */
  let changes: Promise<void> = Promise.resolve();

  const prepare = async () => {
    while (running && !prepared) {
      try {
        await source.prepare?.();
        prepared = true;
      } catch (error) {
        logger.debug({ err: error }, 'the shared consumer could not be checked; retrying');
        await sleep(PREPARE_RETRY_MS, stopping.signal);
      }
    }
  };

  const follow = (pulls: boolean) => {
    decided = true;
    changes = changes.then(async () => {
      if (!running) return;
      if (pulls) source.start(handler!);
      else await source.stop();
    });
  };

  return {
    start(handle) {
      if (running) return;
      handler = handle;
      running = true;
      stopping = new AbortController();
      void prepare();
      lease.start(follow);
    },
    async stop() {
      running = false;
      stopping.abort();
      await changes;
      await source.stop();
      await lease.stop();
    },
    pending: () => source.pending(),
    ready: () => (lease.pulls() ? source.ready() : decided && prepared && running),
    prepare: () => source.prepare?.() ?? Promise.resolve(),
    pulling: () => running && lease.pulls(),
  };
}
