import { MessageCreatedEvent, MessageStatusEvent, SUBJECTS } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import type { Broadcaster } from '../socket/broadcaster.js';

export type FanoutResult = 'emitted' | 'malformed' | 'ignored';

/** Emits one bus event (`message.created`, `message.status`) to its rooms; whatever carried it decides on acks. */
export type FanoutHandler = (subject: string, data: unknown) => FanoutResult;

/** Where fan-out events come from: the shared JetStream consumer, or the embedded in-memory bus. */
export interface FanoutSource {
  /** Hands every event to `handle` from now on (the gateway's handler, built once its namespaces exist). */
  start(handle: FanoutHandler): void;
  /** Stops taking events; those in hand are emitted first. */
  stop(): Promise<void>;
  /** Events waiting for a gateway, if the source can tell. */
  pending(): Promise<number | undefined>;
  /** True while events flow to this node (the shared consumer exists and is pulled). Part of readiness. */
  ready(): boolean;
  /** Makes sure the shared consumer exists (created if missing), without pulling it. */
  prepare?(): Promise<void>;
  /** True while this node takes events from the source (with one puller per cluster, only the lease's holder). */
  pulling?(): boolean;
}

/** Validates an event with its `libs/protocol` schema and hands it to the broadcaster. */
export function createFanoutHandler(broadcaster: Broadcaster, metrics: GatewayMetrics, logger: Logger): FanoutHandler {
  const log = logger.child({ component: 'fanout' });
  const count = (subject: string, result: FanoutResult) => {
    metrics.fanoutProcessed.inc({ subject: result === 'ignored' ? 'other' : subject, result });
    return result;
  };
  return (subject, data) => {
    if (subject === SUBJECTS.messageCreated) {
      const parsed = MessageCreatedEvent.safeParse(data);
      if (!parsed.success) return malformed(subject);
      broadcaster.messageCreated(parsed.data);
      metrics.fanoutLag.observe({ event: 'message:new' }, Math.max(0, (Date.now() - Date.parse(parsed.data.created_at)) / 1000));
      return count(subject, 'emitted');
    }
    if (subject === SUBJECTS.messageStatus) {
      const parsed = MessageStatusEvent.safeParse(data);
      if (!parsed.success) return malformed(subject);
      broadcaster.messageStatus(parsed.data);
      return count(subject, 'emitted');
    }
    // A subject this version does not know: not ours to fan out.
    return count(subject, 'ignored');
  };
  function malformed(subject: string): FanoutResult {
    log.warn({ subject }, 'dropping a malformed event');
    return count(subject, 'malformed');
  }
}
