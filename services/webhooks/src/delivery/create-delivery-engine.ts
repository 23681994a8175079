import { WEBHOOKS } from '@switchboard/protocol';
import type { DeliveryEngine, DeliveryEngineDeps } from './delivery-engine.js';
import { createConversationRecipients } from './conversation-recipients.js';
import { readBacklog } from './delivery-store.js';
import { createDispatcher } from './dispatcher.js';
import { createEngineMetrics } from './engine-metrics.js';
import { createHttpSender } from './http-sender.js';
import { createIngest } from './ingest.js';
import { createRetentionJanitor } from './retention-janitor.js';
import { createTargetGuard } from './target-guard.js';

/**
 * The delivery engine from its parts: the source feeds `ingest` (rows first, then the ack), the dispatcher sends
 * what is due, the janitor keeps the log bounded. `stop()` ends them in that order: no new events, then the
 * attempts in flight recorded, then the janitor.
 */
export function createDeliveryEngine(deps: DeliveryEngineDeps): DeliveryEngine {
  const now = deps.now ?? Date.now;
  const metrics = createEngineMetrics(deps.metrics, () => readBacklog(deps.db, new Date(now())));
  const sender = createHttpSender({
    guard: createTargetGuard(deps.settings.allowInsecure),
    timeoutMs: WEBHOOKS.attemptTimeoutMs,
    maxBodyBytes: WEBHOOKS.responseBodyMaxBytes,
  });
  const dispatcher = createDispatcher({ db: deps.db, sender, settings: deps.settings, metrics, logger: deps.logger, now });
  const ingest = createIngest({
    db: deps.db,
    presence: deps.presence,
    recipients: createConversationRecipients(deps.db),
    metrics,
    logger: deps.logger,
    now,
    onRecorded: () => dispatcher.wake(),
  });
  const janitor = createRetentionJanitor({ db: deps.db, logger: deps.logger, now });
  let started = false;

  return {
    async start() {
      if (started) return;
      started = true;
      dispatcher.start();
      janitor.start();
      const log = deps.logger.child({ component: 'webhooks-ingest' });
      // Logged here, once, whichever source offers the events again.
      await deps.source.start((events) =>
        ingest(events).catch((error: unknown) => {
          log.warn({ err: error, events: events.length }, 'recording events failed; they will be offered again');
          throw error;
        }),
      );
    },
    async stop() {
      if (!started) return;
      started = false;
      await deps.source.stop();
      await dispatcher.stop();
      await janitor.stop();
      sender.close();
    },
    wake: () => dispatcher.wake(),
  };
}
