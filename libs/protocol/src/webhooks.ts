import { z } from 'zod';
import { IdField, LimitQueryField } from './fields.js';
import { Conversation, IsoTime, Message } from './models.js';
import { MessageStatusEvent, SUBJECTS } from './nats.js';

/**
 * Webhooks (CONTRACT.md, second release, "Webhooks"): the endpoints an app registers, the deliveries the webhooks
 * service makes to them, and the body and headers of one delivery (Standard Webhooks).
 */

/** The rules of the webhooks service; the retry schedule's default lives in its config. */
export const WEBHOOKS = Object.freeze({
  /** Endpoints one app may hold at once; the next is a 400 `VALIDATION_FAILED`. */
  maxEndpointsPerApp: 20,
  urlMaxChars: 2048,
  /** A 2xx answer within this long is delivered; anything later is a failed attempt. */
  attemptTimeoutMs: 10_000,
  /** Bytes of a response body read (the rest is dropped unread); only a short `last_error` is kept. */
  responseBodyMaxBytes: 4096,
  lastErrorMaxChars: 300,
  /** An endpoint whose deliveries failed for this long without one success is disabled. */
  disableAfterFailingMs: 24 * 60 * 60 * 1000,
  /** Random bytes of an endpoint's signing secret (`whsec_` + base64 of them). */
  secretBytes: 32,
  secretPrefix: 'whsec_',
});

/** The event types an endpoint may ask for: the NATS subjects whose events are delivered. */
export const WEBHOOK_EVENT_TYPES = Object.freeze([
  SUBJECTS.messageCreated,
  SUBJECTS.messageStatus,
  SUBJECTS.conversationUpdated,
] as const);
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const isWebhookEventType = (value: string): value is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

/** An absolute `http(s)` URL without credentials or a fragment; whether `http:` is allowed is the service's policy. */
export const WebhookUrlField = z
  .string()
  .max(WEBHOOKS.urlMaxChars)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hash === '';
  }, 'must be an absolute http(s) URL without credentials or a fragment');

export const CreateWebhookRequest = z
  .strictObject({
    url: WebhookUrlField,
    events: z
      .array(WebhookEventType)
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length)
      .refine((events) => new Set(events).size === events.length, 'must not repeat an event type'),
  })
  .meta({ id: 'CreateWebhookRequest' });
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

export const WebhookParams = z.strictObject({ app_id: IdField, id: IdField });
export const WebhookDeliveryParams = z.strictObject({ app_id: IdField, id: IdField, delivery_id: IdField });

export const WebhookDeliveryStatus = z.enum(['pending', 'delivered', 'failed']);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

export const ListWebhookDeliveriesQuery = z.strictObject({
  status: WebhookDeliveryStatus.optional(),
  limit: LimitQueryField.optional(),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListWebhookDeliveriesQuery = z.infer<typeof ListWebhookDeliveriesQuery>;

/** An endpoint as listed: never its secret. */
export const WebhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEventType),
    created_at: IsoTime,
    disabled: z.boolean(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** `POST /v1/apps/:app_id/webhooks`'s answer: the only time the secret is shown. */
export const CreatedWebhookEndpoint = WebhookEndpoint.extend({ secret: z.string() }).meta({ id: 'CreatedWebhookEndpoint' });
export type CreatedWebhookEndpoint = z.infer<typeof CreatedWebhookEndpoint>;

export const WebhookEndpointList = z.object({ data: z.array(WebhookEndpoint) }).meta({ id: 'WebhookEndpointList' });
export type WebhookEndpointList = z.infer<typeof WebhookEndpointList>;

export const WebhookDelivery = z
  .object({
    id: z.string(),
    event_id: z.string(),
    type: WebhookEventType,
    status: WebhookDeliveryStatus,
    attempts: z.number().int().nonnegative(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: IsoTime.nullable(),
    created_at: IsoTime,
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryPage = z
  .object({ data: z.array(WebhookDelivery), next_cursor: z.string().nullable() })
  .meta({ id: 'WebhookDeliveryPage' });
export type WebhookDeliveryPage = z.infer<typeof WebhookDeliveryPage>;

/** `message.created`'s `data`: the message, and whether the other side had an open socket when it was delivered. */
export const WebhookMessageCreatedData = Message.extend({ recipient_online: z.boolean() });
export type WebhookMessageCreatedData = z.infer<typeof WebhookMessageCreatedData>;

/** `conversation.updated`'s `data`: the agents' view of the conversation, as on NATS less the user's unread count. */
export const WebhookConversationUpdatedData = z.object({ app_id: z.string(), conversation: Conversation });
export type WebhookConversationUpdatedData = z.infer<typeof WebhookConversationUpdatedData>;

export interface WebhookDataByType {
  'message.created': WebhookMessageCreatedData;
  'message.status': MessageStatusEvent;
  'conversation.updated': WebhookConversationUpdatedData;
}

/** The body of one delivery: `id` is the event's id, the same on every retry and for every endpoint. */
export interface WebhookBody<T extends WebhookEventType = WebhookEventType> {
  readonly id: string;
  readonly type: T;
  readonly created_at: string;
  readonly app_id: string;
  readonly data: WebhookDataByType[T];
}

/** The Standard Webhooks headers of a delivery. */
export const WEBHOOK_HEADERS = Object.freeze({
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const);
