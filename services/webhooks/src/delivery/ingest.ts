import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { WebhooksDatabase } from '../db/schema.js';
import type { SourceEvent } from './delivery-engine.js';
import type { PresenceReader } from './presence-reader.js';
import type { ConversationRecipients } from './conversation-recipients.js';
import type { EngineMetrics } from './engine-metrics.js';
import { parseBusEvent } from './event-data.js';
import { findSubscribedEndpoints, recordEvent } from './delivery-store.js';
import { isRecipientOnline } from './recipient-online.js';

export interface IngestDeps {
  readonly db: Kysely<WebhooksDatabase>;
  readonly presence: PresenceReader;
  readonly recipients: ConversationRecipients;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Called after an event recorded deliveries: the dispatcher looks at once. */
  readonly onRecorded: () => void;
}

/**
 * Takes one bus event: records it and one pending delivery per subscribed endpoint in one transaction, and
 * resolves only then (the source acks after that, so a crash before the commit means a redelivery, and one after it
 * a redelivery that records nothing twice). An event no endpoint asked for is acked without a row; a subject that
 * is not a webhook event type, or a payload that fails its schema, is acked and skipped (it would fail again).
 *
 * `recipient_online` is read here, once per event, so every retry and every endpoint get the same body: it says
 * whether the other side was connected when the service took the event, moments after it was sent. A presence
 * read that fails counts the recipient as offline (a push sent to someone online costs less than one never sent).
 */
export function createIngest(deps: IngestDeps): (event: SourceEvent) => Promise<void> {
  const log = deps.logger.child({ component: 'webhooks-ingest' });
  return async (event) => {
    const parsed = parseBusEvent(event.subject, event.payload, event.storedAt);
    if (parsed === undefined) return;
    if (parsed === 'malformed') {
      log.warn({ subject: event.subject, event_id: event.id }, 'skipping a malformed event');
      return;
    }
    const endpoints = await findSubscribedEndpoints(deps.db, parsed.appId, parsed.type);
    deps.metrics.eventsIngested.inc({ type: parsed.type });
    if (endpoints.length === 0) return;
    let data = parsed.data;
    if (parsed.message) {
      const online = await isRecipientOnline(parsed.message, deps.presence, deps.recipients).catch((error: unknown) => {
        log.warn({ err: error, event_id: event.id }, 'presence read failed; recipient_online is false');
        return false;
      });
      data = { ...data, recipient_online: online };
    }
    const recorded = await deps.db.transaction().execute((trx) =>
      recordEvent(trx, { id: event.id, appId: parsed.appId, type: parsed.type, payload: data, createdAt: parsed.createdAt }, endpoints, new Date(deps.now())),
    );
    if (recorded > 0) deps.onRecorded();
  };
}
