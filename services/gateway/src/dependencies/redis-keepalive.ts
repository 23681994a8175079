import type { Redis } from 'ioredis';
import type { Logger } from '@switchboard/logger';

/** Redis's `tcp-keepalive` at most this: a lost host's connection is closed (and its devices swept) within 30 s. */
const MAX_KEEPALIVE_S = 10;

/**
 * Warns once when Redis keeps a dead peer's connection longer than `MAX_KEEPALIVE_S` (docs/deploy.md, "Before you
 * install"): a gateway whose host is lost is then swept only `NODE_LOST_MS` after its last heartbeat. A Redis that
 * refuses `CONFIG GET` (managed services often do) is not warned about.
 */
export async function warnOnLongKeepalive(redis: Redis, logger: Logger, nodeLostMs: number): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'tcp-keepalive')) as string[];
    const seconds = Number(reply[1]);
    if (Number.isFinite(seconds) && (seconds === 0 || seconds > MAX_KEEPALIVE_S)) {
      logger.warn(
        { tcp_keepalive: seconds, node_lost_ms: nodeLostMs },
        `Redis tcp-keepalive is ${seconds === 0 ? 'off' : `${seconds} s`}: a gateway whose host is lost keeps its devices online up to NODE_LOST_MS; set it to ${MAX_KEEPALIVE_S} or less`,
      );
    }
  } catch (error) {
    logger.debug({ err: error }, 'cannot read Redis tcp-keepalive');
  }
}
