import type { ColumnType } from 'kysely';
import type { WebhookDeliveryStatus, WebhookEventType } from '@switchboard/protocol';

/** Tables of the webhooks service (schema `webhooks`), as Kysely sees them; `./migrations` creates them. */
export interface WebhooksDatabase {
  'webhooks.endpoints': EndpointsTable;
  'webhooks.events': EventsTable;
  'webhooks.deliveries': DeliveriesTable;
}

type Time = ColumnType<Date, Date | string, Date | string>;
type NullableTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface EndpointsTable {
  id: string;
  app_id: string;
  url: string;
  events: WebhookEventType[];
  /** The signing key, `whsec_` + base64: kept as given (it signs), shown once, never logged. */
  secret: string;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  /** The first failed attempt since the endpoint's last success; `null` while it succeeds. */
  failing_since: NullableTime;
  created_at: CreatedAt;
}

export interface EventsTable {
  /** The outbox's `msg_id` (`Nats-Msg-Id` on JetStream): the body's `id` and the `webhook-id` header. */
  id: string;
  app_id: string;
  type: WebhookEventType;
  /**
   * The body's `data`, fixed at ingest from the NATS event's payload (`delivery/event-data.ts`: `message.created`
   * with its `recipient_online`), so every retry and every endpoint get the same body.
   */
  payload: ColumnType<unknown, string, string>;
  created_at: Time;
}

export interface DeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  status: WebhookDeliveryStatus;
  attempts: ColumnType<number, number | undefined, number>;
  last_status_code: ColumnType<number | null, number | null | undefined, number | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  next_attempt_at: NullableTime;
  /** The lease of the replica whose attempt is in flight. */
  claimed_until: NullableTime;
  created_at: CreatedAt;
  delivered_at: NullableTime;
  /** An operator's retry waits for its attempt: claimed even when the endpoint is disabled. */
  manual_retry: ColumnType<boolean, boolean | undefined, boolean>;
}
