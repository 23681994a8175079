import type { Redis } from 'ioredis';
import type { Logger } from '@switchboard/logger';

/** How long the lease lives without a renewal: a leader that dies is replaced within this plus one check. */
export const FANOUT_LEASE_MS = 2000;

/** Who pulls the shared consumers: the holder of the lease, or every node while Redis cannot say. */
export interface FanoutLease {
  /** Checks now and every `ttlMs / 4`; `onChange` hears the first decision and every change of `pulls()`. */
  start(onChange: (pulls: boolean) => void): void;
  /** True while this node should pull: it holds the lease, or Redis did not answer the last check. */
  pulls(): boolean;
  /** Stops checking and gives the lease back (a standby takes it at its next check). */
  stop(): Promise<void>;
}

export interface RedisFanoutLeaseOptions {
  /** A client that fails a command at once while Redis is unreachable (no offline queue, a command timeout). */
  readonly redis: Redis;
  /** `<REDIS_KEY_PREFIX>:fanout:lease`. */
  readonly key: string;
  /** This node's id: the lease's value. */
  readonly owner: string;
  /** `FANOUT_LEASE_MS`. */
  readonly ttlMs: number;
  readonly logger: Logger;
}

/** Extends the lease if this node holds it: 1, else 0. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the lease if this node holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * One gateway at a time pulls the shared consumers (`gateway-fanout`, `gateway-events`) and publishes each event to
 * its rooms' subjects; the others only receive the rooms they hold sockets in (docs/scaling.md, "One puller"). The
 * lease is a Redis key (`SET NX PX`), renewed every quarter of its life by its holder and tried by the others.
 *
 * It is an optimisation, never a condition of delivery: two nodes pulling at once is what every node did before
 * (each event still goes to one of them), so when Redis does not answer a node pulls (fails open), and a leader
 * that froze and came back pulls until its next check finds the lease taken.
 */
export function createRedisFanoutLease(options: RedisFanoutLeaseOptions): FanoutLease {
  const { redis, key, owner, ttlMs } = options;
  const log = options.logger.child({ component: 'fanout-lease' });
  let pulls = false;
  /** Whether `onChange` has heard the first decision. */
  let decided = false;
  let holding = false;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let stopped = false;
  let notify: (pulls: boolean) => void = () => {};

  const set = (next: boolean, why: string) => {
    if (decided && next === pulls) return;
    decided = true;
    pulls = next;
    log.info({ pulls, why }, pulls ? 'this node pulls the shared consumers' : 'another node pulls the shared consumers');
    notify(pulls);
  };

  const check = async () => {
    try {
      if (holding) {
        holding = (await redis.eval(RENEW, 1, key, owner, String(ttlMs))) === 1;
        if (!holding) log.warn('the fan-out lease was lost (this node was too slow to renew it)');
      }
      if (!holding) holding = (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
      if (!stopped) set(holding, holding ? 'lease held' : 'lease held by another node');
    } catch (error) {
      // Redis cannot say who pulls: pull (events must keep flowing during a Redis outage).
      log.debug({ err: error }, 'fan-out lease check failed');
      if (!stopped) set(true, 'redis unavailable');
    }
  };

  const loop = () => {
    checking = check().finally(() => {
      checking = undefined;
      if (!stopped) timer = setTimeout(loop, Math.max(1, Math.floor(ttlMs / 4)));
    });
  };

  return {
    start(onChange) {
      notify = onChange;
      loop();
    },
    pulls: () => pulls,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await checking;
      if (holding) {
        holding = false;
        await redis.eval(RELEASE, 1, key, owner).catch((error: unknown) => log.debug({ err: error }, 'fan-out lease not released; it expires'));
      }
    },
  };
}
