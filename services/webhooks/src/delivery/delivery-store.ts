import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { WebhookEventType } from '@switchboard/protocol';
import type { WebhooksDatabase } from '../db/schema.js';

/** A delivery claimed for one attempt, with what the attempt needs. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly url: string;
  readonly secret: string;
  readonly eventId: string;
  readonly type: WebhookEventType;
  readonly appId: string;
  readonly eventCreatedAt: Date;
  readonly payload: unknown;
  /** Attempts made before this one. */
  readonly attempts: number;
  /** The lease this replica holds: every write of the attempt's result names it, so a lost lease writes nothing. */
  readonly claimedUntil: Date;
  readonly createdAt: Date;
}

/** A new delivery id: `dlv_` + 32 hex digits. */
export const newDeliveryId = () => `dlv_${randomUUID().replaceAll('-', '')}`;

/** An event to record, with the endpoints that get a delivery of it. */
export interface EventToRecord {
  readonly id: string;
  readonly appId: string;
  readonly type: WebhookEventType;
  readonly payload: unknown;
  readonly createdAt: Date;
  readonly endpointIds: readonly string[];
}

/**
 * Records events and one pending delivery per (event, endpoint), due now, in one statement (so atomically, and one
 * round trip for a whole batch). A redelivered event (JetStream after a crash before the ack) records nothing
 * twice: events are unique by id, deliveries by (endpoint, event). Returns the deliveries it added.
 */
export async function recordEvents(db: Kysely<WebhooksDatabase>, events: readonly EventToRecord[], now: Date): Promise<number> {
  const pairs = events.flatMap((e) => e.endpointIds.map((endpointId) => ({ id: newDeliveryId(), endpointId, eventId: e.id })));
  if (pairs.length === 0) return 0;
  const { rows } = await sql<{ id: string }>`
    WITH event AS (
      INSERT INTO webhooks.events (id, app_id, type, payload, created_at)
      SELECT * FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.appId)}::text[], ${events.map((e) => e.type)}::text[],
                           ${events.map((e) => JSON.stringify(e.payload))}::jsonb[], ${events.map((e) => e.createdAt.toISOString())}::timestamptz[])
      ON CONFLICT (id) DO NOTHING
    )
    INSERT INTO webhooks.deliveries (id, endpoint_id, event_id, status, next_attempt_at)
    SELECT d.id, d.endpoint_id, d.event_id, 'pending', ${now}::timestamptz
    FROM unnest(${pairs.map((p) => p.id)}::text[], ${pairs.map((p) => p.endpointId)}::text[], ${pairs.map((p) => p.eventId)}::text[])
      AS d(id, endpoint_id, event_id)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id`.execute(db);
  return rows.length;
}

/** The enabled endpoints of these apps, with the event types each asked for (one query for a batch of events). */
export async function findEnabledEndpoints(
  db: Kysely<WebhooksDatabase>,
  appIds: readonly string[],
): Promise<{ id: string; app_id: string; events: WebhookEventType[] }[]> {
  if (appIds.length === 0) return [];
  return db
    .selectFrom('webhooks.endpoints')
    .select(['id', 'app_id', 'events'])
    .where('app_id', 'in', [...new Set(appIds)])
    .where('disabled', '=', false)
    .orderBy('created_at')
    .execute();
}

export interface ClaimOptions {
  readonly now: Date;
  readonly leaseUntil: Date;
  /** Deliveries claimed at most, in all. */
  readonly limit: number;
  /** Attempts in flight at once per endpoint. */
  readonly perEndpoint: number;
  /** Attempts this replica has in flight per endpoint: an endpoint gets only the room it has left. */
  readonly inFlight: ReadonlyMap<string, number>;
}

/**
 * Claims due deliveries for this replica: pending, due, not leased (or the lease ran out: a crashed replica's),
 * of an enabled endpoint (or an operator's retry, whatever the endpoint), at most `perEndpoint − in flight` per endpoint, oldest due first. `FOR UPDATE SKIP
 * LOCKED` lets replicas claim at once without waiting on each other; endpoints with no room left are skipped before
 * the scan so a stuck endpoint's backlog never fills the batch. A claimed delivery is due again when its lease ends
 * (`next_attempt_at` moves there too): the due index then skips deliveries in flight instead of reading each one,
 * and a crashed replica's deliveries come due by themselves.
 */
export async function claimDueDeliveries(db: Kysely<WebhooksDatabase>, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  const busyIds = [...options.inFlight].filter(([, n]) => n > 0).map(([id]) => id);
  const busyCounts = [...options.inFlight].filter(([, n]) => n > 0).map(([, n]) => n);
  const full = [...options.inFlight].filter(([, n]) => n >= options.perEndpoint).map(([id]) => id);
  const { rows } = await sql<ClaimedRow>`
    WITH due AS (
      SELECT d.id, d.endpoint_id, d.next_attempt_at
      FROM webhooks.deliveries d
      WHERE d.status = 'pending'
        AND d.next_attempt_at <= ${options.now}
        AND (d.claimed_until IS NULL OR d.claimed_until < ${options.now})
        AND d.endpoint_id <> ALL(${full}::text[])
        AND (d.manual_retry OR NOT EXISTS (SELECT 1 FROM webhooks.endpoints e WHERE e.id = d.endpoint_id AND e.disabled))
      ORDER BY d.next_attempt_at
      LIMIT ${options.limit * 4}
      FOR UPDATE SKIP LOCKED
    ), busy AS (
      SELECT * FROM unnest(${busyIds}::text[], ${busyCounts}::int[]) AS b(endpoint_id, n)
    ), ranked AS (
      SELECT due.id, due.endpoint_id, due.next_attempt_at,
             row_number() OVER (PARTITION BY due.endpoint_id ORDER BY due.next_attempt_at, due.id) AS rank
      FROM due
    ), chosen AS (
      SELECT ranked.id
      FROM ranked
      LEFT JOIN busy ON busy.endpoint_id = ranked.endpoint_id
      WHERE ranked.rank <= ${options.perEndpoint} - coalesce(busy.n, 0)
      ORDER BY ranked.next_attempt_at
      LIMIT ${options.limit}
    )
    UPDATE webhooks.deliveries d
    SET claimed_until = ${options.leaseUntil}, next_attempt_at = ${options.leaseUntil}
    FROM chosen, webhooks.endpoints e, webhooks.events ev
    WHERE d.id = chosen.id AND e.id = d.endpoint_id AND ev.id = d.event_id
    RETURNING d.id, d.endpoint_id, e.url, e.secret, d.event_id, ev.type, ev.app_id, ev.created_at AS event_created_at,
              ev.payload, d.attempts, d.claimed_until, d.created_at`.execute(db);
  return rows.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    url: r.url,
    secret: r.secret,
    eventId: r.event_id,
    type: r.type,
    appId: r.app_id,
    eventCreatedAt: new Date(r.event_created_at),
    payload: r.payload,
    attempts: r.attempts,
    claimedUntil: new Date(r.claimed_until),
    createdAt: new Date(r.created_at),
  }));
}

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  url: string;
  secret: string;
  event_id: string;
  type: WebhookEventType;
  app_id: string;
  event_created_at: Date | string;
  payload: unknown;
  attempts: number;
  claimed_until: Date | string;
  created_at: Date | string;
}

/** A 2xx answer to record. */
export interface DeliveredRecord {
  readonly delivery: ClaimedDelivery;
  readonly statusCode: number;
  readonly at: Date;
}

/** What `recordDelivered` wrote. */
export interface DeliveredResult {
  /** The deliveries recorded; one missing had lost its lease (another replica took it, or its endpoint was deleted). */
  readonly delivered: Set<string>;
  /** Disabled endpoints that answered 2xx (an operator's retry) and are enabled again. */
  readonly reenabled: Set<string>;
}

/**
 * 2xx answers: each delivery is done and its endpoint no longer failing — and enabled again if it was disabled (only
 * an operator's retry reaches a disabled endpoint) — for a whole batch in one statement.
 */
export async function recordDelivered(db: Kysely<WebhooksDatabase>, records: readonly DeliveredRecord[]): Promise<DeliveredResult> {
  if (records.length === 0) return { delivered: new Set(), reenabled: new Set() };
  const { rows } = await sql<{ id: string | null; reenabled: string | null }>`
    WITH answer AS (
      SELECT * FROM unnest(${records.map((r) => r.delivery.id)}::text[], ${records.map((r) => r.delivery.attempts + 1)}::int[],
                           ${records.map((r) => r.statusCode)}::int[], ${records.map((r) => r.at.toISOString())}::timestamptz[],
                           ${records.map((r) => r.delivery.claimedUntil.toISOString())}::timestamptz[])
        AS a(id, attempts, status_code, at, claimed_until)
    ), done AS (
      UPDATE webhooks.deliveries d
      SET status = 'delivered', attempts = answer.attempts, last_status_code = answer.status_code,
          last_error = NULL, next_attempt_at = NULL, claimed_until = NULL, delivered_at = answer.at, manual_retry = false
      FROM answer
      WHERE d.id = answer.id AND d.status = 'pending' AND d.claimed_until = answer.claimed_until
      RETURNING d.id, d.endpoint_id
    ), was_disabled AS (
      SELECT e.id FROM webhooks.endpoints e WHERE e.id IN (SELECT endpoint_id FROM done) AND e.disabled
    ), healed AS (
      UPDATE webhooks.endpoints e SET failing_since = NULL, disabled = false
      WHERE e.id IN (SELECT endpoint_id FROM done) AND (e.failing_since IS NOT NULL OR e.disabled)
    )
    SELECT id, NULL AS reenabled FROM done
    UNION ALL
    SELECT NULL, id FROM was_disabled`.execute(db);
  return {
    delivered: new Set(rows.flatMap((r) => (r.id === null ? [] : [r.id]))),
    reenabled: new Set(rows.flatMap((r) => (r.reenabled === null ? [] : [r.reenabled]))),
  };
}

export interface FailureRecord {
  readonly statusCode: number | null;
  readonly error: string;
  readonly at: Date;
  /** When the next attempt is due; `undefined` after the last: the delivery is `failed`. */
  readonly retryAt: Date | undefined;
  /** An endpoint failing since this long ago or more is disabled. */
  readonly disableAfterMs: number;
}

/**
 * A failed attempt: the delivery is due again at `retryAt`, or `failed`; the endpoint is failing since its first
 * failure after its last success, and disabled (with its pending deliveries failed) once that is `disableAfterMs`
 * old. Returns whether this attempt disabled it, `failed` when the endpoint was disabled already (an operator's retry:
 * no retry follows), or `lost` when the lease had run out (another replica took it).
 */
export async function recordFailure(
  db: Kysely<WebhooksDatabase>,
  delivery: ClaimedDelivery,
  failure: FailureRecord,
): Promise<'recorded' | 'disabled' | 'failed' | 'lost'> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhooks.deliveries')
      .set({
        status: failure.retryAt ? 'pending' : 'failed',
        attempts: delivery.attempts + 1,
        last_status_code: failure.statusCode,
        last_error: failure.error,
        next_attempt_at: failure.retryAt ?? null,
        claimed_until: null,
        manual_retry: false,
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .where('claimed_until', '=', delivery.claimedUntil)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return 'lost';
    const endpoint = await trx
      .updateTable('webhooks.endpoints')
      .set({ failing_since: sql`coalesce(failing_since, ${failure.at})` })
      .where('id', '=', delivery.endpointId)
      .returning(['failing_since', 'disabled'])
      .executeTakeFirst();
    if (endpoint?.disabled && failure.retryAt) {
      // An operator's retry to a disabled endpoint gets that one attempt: no schedule runs for a disabled endpoint.
      await trx.updateTable('webhooks.deliveries').set({ status: 'failed', next_attempt_at: null }).where('id', '=', delivery.id).execute();
      return 'failed';
    }
    if (!endpoint?.failing_since || endpoint.disabled) return 'recorded';
    if (failure.at.getTime() - new Date(endpoint.failing_since).getTime() < failure.disableAfterMs) return 'recorded';
    await trx.updateTable('webhooks.endpoints').set({ disabled: true }).where('id', '=', delivery.endpointId).execute();
    await trx
      .updateTable('webhooks.deliveries')
      .set({ status: 'failed', next_attempt_at: null, claimed_until: null, manual_retry: false, last_error: 'endpoint disabled after 24 h of failures' })
      .where('endpoint_id', '=', delivery.endpointId)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', failure.at)]))
      .execute();
    return 'disabled';
  });
}

/** What the backlog gauges show: due pending deliveries, the oldest one's wait, disabled endpoints. */
export async function readBacklog(db: Kysely<WebhooksDatabase>, now: Date): Promise<{ due: number; oldestAgeSeconds: number; disabledEndpoints: number }> {
  const { rows } = await sql<{ due: string; oldest: Date | string | null; disabled: string }>`
    SELECT (SELECT count(*) FROM webhooks.deliveries WHERE status = 'pending' AND next_attempt_at <= ${now}) AS due,
           (SELECT min(next_attempt_at) FROM webhooks.deliveries WHERE status = 'pending' AND next_attempt_at <= ${now}) AS oldest,
           (SELECT count(*) FROM webhooks.endpoints WHERE disabled) AS disabled`.execute(db);
  const row = rows[0]!;
  const oldest = row.oldest === null ? undefined : new Date(row.oldest).getTime();
  return {
    due: Number(row.due),
    oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
    disabledEndpoints: Number(row.disabled),
  };
}

/** The retention janitor's work: finished deliveries older than the cut, then events no delivery refers to. */
export async function deleteExpired(
  db: Kysely<WebhooksDatabase>,
  options: { finishedBefore: Date; orphanEventsBefore: Date; batch: number },
): Promise<{ deliveries: number; events: number }> {
  const deliveries = await sql`
    DELETE FROM webhooks.deliveries WHERE id IN (
      SELECT id FROM webhooks.deliveries
      WHERE status IN ('delivered', 'failed') AND created_at < ${options.finishedBefore}
      LIMIT ${options.batch})`.execute(db);
  const events = await sql`
    DELETE FROM webhooks.events WHERE id IN (
      SELECT ev.id FROM webhooks.events ev
      WHERE ev.created_at < ${options.orphanEventsBefore}
        AND NOT EXISTS (SELECT 1 FROM webhooks.deliveries d WHERE d.event_id = ev.id)
      LIMIT ${options.batch})`.execute(db);
  return { deliveries: Number(deliveries.numAffectedRows ?? 0), events: Number(events.numAffectedRows ?? 0) };
}
