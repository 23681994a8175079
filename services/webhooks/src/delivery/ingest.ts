import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { WebhooksDatabase } from '../db/schema.js';
import type { SourceEvent } from './delivery-engine.js';
import type { PresenceReader } from './presence-reader.js';
import type { ConversationRecipients } from './conversation-recipients.js';
import type { EngineMetrics } from './engine-metrics.js';
import type { MessageCreatedEvent } from '@switchboard/protocol';
import { parseBusEvent, type ParsedEvent } from './event-data.js';
import { findEnabledEndpoints, recordEvents, type EventToRecord } from './delivery-store.js';
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
 * Takes the bus events that arrived: records each and one pending delivery per subscribed endpoint in one
 * statement, and resolves only then (the source acks after that, so a crash before the commit means a redelivery,
 * and one after it a redelivery that records nothing twice). Two round trips per batch: the apps' endpoints, then
 * the rows. An event no endpoint asked for is acked without a row; a subject that is not a webhook event type, or a
 * payload that fails its schema, is acked and skipped (it would fail again).
 *
 * `recipient_online` is read here, once per event, so every retry and every endpoint get the same body: it says
 * whether the other side was connected when the service took the event, moments after it was sent. A presence
 * read that fails counts the recipient as offline (a push sent to someone online costs less than one never sent).
 */
export function createIngest(deps: IngestDeps): (events: readonly SourceEvent[]) => Promise<void> {
  const log = deps.logger.child({ component: 'webhooks-ingest' });
  const online = (message: MessageCreatedEvent, eventId: string) =>
    isRecipientOnline(message, deps.presence, deps.recipients).catch((error: unknown) => {
      log.warn({ err: error, event_id: eventId }, 'presence read failed; recipient_online is false');
      return false;
    });

  return async (events) => {
    const parsed: (ParsedEvent & { id: string })[] = [];
    for (const event of events) {
      const p = parseBusEvent(event.subject, event.payload, event.storedAt);
      if (p === 'malformed') log.warn({ subject: event.subject, event_id: event.id }, 'skipping a malformed event');
      else if (p) parsed.push({ ...p, id: event.id });
    }
    if (parsed.length === 0) return;
    const endpoints = await findEnabledEndpoints(deps.db, parsed.map((p) => p.appId));
    const toRecord = await Promise.all(
      parsed.map(async (p): Promise<EventToRecord> => {
        const endpointIds = endpoints.filter((e) => e.app_id === p.appId && e.events.includes(p.type)).map((e) => e.id);
        const data = p.message && endpointIds.length > 0 ? { ...p.data, recipient_online: await online(p.message, p.id) } : p.data;
        return { id: p.id, appId: p.appId, type: p.type, payload: data, createdAt: p.createdAt, endpointIds };
      }),
    );
    const recorded = await recordEvents(deps.db, toRecord.filter((e) => e.endpointIds.length > 0), new Date(deps.now()));
    for (const p of parsed) deps.metrics.eventsIngested.inc({ type: p.type });
    if (recorded > 0) deps.onRecorded();
  };
}
