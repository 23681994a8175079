import type { DisconnectReason } from 'socket.io';
import { SUBJECTS } from '@switchboard/protocol';
import { REFUSAL_REASONS } from './socket/handshake-refusals.js';
import {
  createCounter,
  createGauge,
  Histogram,
  zeroKnownSeries,
  type Counter,
  type Gauge,
  type Registry,
} from '@switchboard/metrics';

/** The gateway's metrics. Labels are bounded sets (namespace, event name, reason, code), never ids. */
export interface GatewayMetrics {
  readonly connections: Gauge<'namespace'>;
  readonly connects: Counter<'namespace'>;
  readonly disconnects: Counter<'namespace' | 'reason'>;
  readonly refusals: Counter<'namespace' | 'code' | 'reason'>;
  readonly authGate: Counter<'result'>;
  readonly authInFlight: Gauge;
  readonly authQueued: Gauge;
  readonly authCallSeconds: Histogram;
  /** Handshakes refused `RATE_LIMITED` by a connection or authentication limit, by the limit (limits/handshake-limits.ts). */
  readonly limitRefusals: Counter<'namespace' | 'limit'>;
  /** Limit checks that let a handshake through because their store (Redis) failed or hung. */
  readonly limitsFailOpen: Counter<'limit'>;
  readonly eventsIn: Counter<'namespace' | 'event'>;
  readonly eventsOut: Counter<'event'>;
  readonly eventErrors: Counter<'namespace' | 'event' | 'code'>;
  readonly fanoutLag: Histogram<'event'>;
  readonly fanoutProcessed: Counter<'subject' | 'result'>;
  readonly natsPending: Gauge;
  /** 1 while this node pulls the shared consumer of `stream` (`messages`: gateway-fanout, `events`: gateway-events). */
  readonly fanoutPulling: Gauge<'stream'>;
  /** Rooms whose NATS subject this node subscribes to (a local socket in them, or one joining). */
  readonly roomSubscriptions: Gauge;
  /** Room events that reached this node over its room subscriptions (`received`), or could not be read (`malformed`). */
  readonly roomEvents: Counter<'namespace' | 'result'>;
  /** Sockets of this node those room events were emitted to. */
  readonly roomDeliveries: Counter<'namespace'>;
  /** Room events this node could not publish (no NATS connection). */
  readonly roomPublishFailures: Counter;
  /** Joins refused because the room's subscription did not reach NATS in time. */
  readonly interestFailures: Counter<'namespace'>;
  /** The gateway's NATS connection: `disconnect`, `reconnect`, `slow_consumer` (the server cut it). */
  readonly natsConnectionEvents: Counter<'event'>;
  readonly redisErrors: Counter<'client'>;
  readonly presenceChanges: Counter<'state'>;
  readonly slowConsumerDisconnects: Counter;
  readonly sessionEnds: Counter<'namespace' | 'code'>;
  readonly revocations: Counter<'source'>;
  readonly draining: Gauge;
}

export interface GatewayMetricsSources {
  /** Live sockets per namespace, read at scrape. */
  readonly connectionCount: (namespace: '/client' | '/admin') => number;
  /** Messages the shared consumer has not yet delivered or that await an ack, read at scrape. */
  readonly natsPending: () => Promise<number | undefined>;
  /** Room subscriptions held now, read at scrape. */
  readonly roomSubscriptions: () => number;
  /** Whether this node pulls each shared consumer now (the holder of its lease), read at scrape. */
  readonly fanoutPulling: () => { readonly messages: boolean; readonly events: boolean };
}

const NAMESPACES = ['/client', '/admin'] as const;
const DISCONNECT_REASONS = [
  'transport error', 'transport close', 'forced close', 'ping timeout', 'parse error', 'server shutting down',
  'forced server close', 'client namespace disconnect', 'server namespace disconnect',
] as const satisfies readonly DisconnectReason[];

export function createGatewayMetrics(registry: Registry, sources: GatewayMetricsSources): GatewayMetrics {
  const counter = <L extends string>(name: string, help: string, labels: readonly L[] = []) =>
    createCounter(registry, `switchboard_gateway_${name}`, help, labels);
  const metrics = {
    connections: createGauge(registry, 'switchboard_gateway_connections', 'Open Socket.IO connections on this node, by namespace.', ['namespace'], function () {
      for (const namespace of ['/client', '/admin'] as const) this.set({ namespace }, sources.connectionCount(namespace));
    }),
    connects: counter('connects_total', 'Accepted connections, by namespace.', ['namespace']),
    disconnects: counter('disconnects_total', 'Closed connections, by namespace and Socket.IO reason.', ['namespace', 'reason']),
    refusals: counter('handshake_refusals_total', 'Refused handshakes, by namespace, error code and reason (engine: the connection was closed).', ['namespace', 'code', 'reason']),
    authGate: counter('auth_gate_total', 'Handshake auth checks by what the auth gate did: called, queued, queue_full, cached_refusal, connection_closed.', ['result']),
    authInFlight: createGauge(registry, 'switchboard_gateway_auth_in_flight', 'Handshake auth calls to the messages service in flight on this node (at most AUTH_CONCURRENCY).'),
    authQueued: createGauge(registry, 'switchboard_gateway_auth_queued', 'Handshakes waiting for an auth slot on this node (at most AUTH_QUEUE_LENGTH).'),
    authCallSeconds: new Histogram({
      name: 'switchboard_gateway_auth_call_seconds',
      help: 'Handshake auth calls to the messages service, from taking an auth slot to the answer (what paces retry_after_ms).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    limitRefusals: counter('limit_refusals_total', 'Handshakes refused RATE_LIMITED by a connection or authentication limit, by namespace and limit.', ['namespace', 'limit']),
    limitsFailOpen: counter('limits_fail_open_total', 'Limit checks that let a handshake through because Redis failed or did not answer, by limit.', ['limit']),
    eventsIn: counter('events_in_total', 'Events received from sockets, by namespace and event name.', ['namespace', 'event']),
    eventsOut: counter('events_out_total', 'Events emitted to rooms (once per emit, not per recipient), by event name.', ['event']),
    eventErrors: counter('event_errors_total', 'Inbound events answered with an error, by namespace, event and code.', ['namespace', 'event', 'code']),
    fanoutLag: new Histogram({
      name: 'switchboard_gateway_fanout_lag_seconds',
      help: 'From the message created_at to its emit by the fan-out consumer.',
      labelNames: ['event'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    fanoutProcessed: counter('fanout_messages_total', 'JetStream messages handled by the fan-out consumer, by subject and result.', ['subject', 'result']),
    natsPending: createGauge(registry, 'switchboard_gateway_nats_consumer_pending', 'Pending plus unacknowledged messages of the shared gateway-fanout consumer.', [], async function () {
      const pending = await sources.natsPending().catch(() => undefined);
      if (pending !== undefined) this.set(pending);
    }),
    fanoutPulling: createGauge(registry, 'switchboard_gateway_fanout_pulling', 'Whether this node pulls the shared consumer of the stream now (1: it holds the lease, or Redis cannot say; 0: another node pulls).', ['stream'], function () {
      const pulling = sources.fanoutPulling();
      this.set({ stream: 'messages' }, pulling.messages ? 1 : 0);
      this.set({ stream: 'events' }, pulling.events ? 1 : 0);
    }),
    roomSubscriptions: createGauge(registry, 'switchboard_gateway_room_subscriptions', 'Rooms whose NATS subject this node subscribes to: it holds a socket in them, or one is joining.', [], function () {
      this.set(sources.roomSubscriptions());
    }),
    roomEvents: counter('room_events_total', 'Room events that reached this node over its room subscriptions, by namespace and result (received, malformed).', ['namespace', 'result']),
    roomDeliveries: counter('room_deliveries_total', 'Sockets of this node the received room events were emitted to, by namespace.', ['namespace']),
    roomPublishFailures: counter('room_publish_failures_total', 'Room events this node could not publish (no NATS connection).'),
    interestFailures: counter('interest_failures_total', 'Joins refused UNAVAILABLE because the room subscription did not reach NATS in time, by namespace.', ['namespace']),
    natsConnectionEvents: counter('nats_connection_events_total', 'Events of the gateway NATS connection: disconnect, reconnect, slow_consumer (cut by the server).', ['event']),
    redisErrors: counter('redis_errors_total', 'Errors reported by the Redis clients (adapter, presence), by client.', ['client']),
    presenceChanges: counter('presence_changes_total', 'Devices crossing online/offline announced by this node.', ['state']),
    slowConsumerDisconnects: counter('slow_consumer_disconnects_total', 'Sockets disconnected because their send buffer stayed above the threshold.'),
    sessionEnds: counter('session_ends_total', 'Sockets disconnected at their deadline: token expired (TOKEN_EXPIRED) or credential revoked (INVALID_CREDENTIALS).', ['namespace', 'code']),
    revocations: counter('credential_revocations_total', 'app.credentials_revoked events applied to this node\'s sockets, by where they came from (the EVENTS consumer, or another node).', ['source']),
    draining: createGauge(registry, 'switchboard_gateway_draining', '1 while this node drains after SIGTERM.'),
  };
  // Every series a dashboard or an alert reads exists at 0 from the start (the events' per-route series are
  // zeroed where the routes are known, in event-guard.ts). test/deploy/metric-names.test.ts checks it.
  zeroKnownSeries(metrics.connects, { namespace: NAMESPACES });
  zeroKnownSeries(metrics.disconnects, { namespace: NAMESPACES, reason: DISCONNECT_REASONS });
  // Refusals: each reason with its code, on both namespaces; the connection-level flood on `engine`, the main
  // namespace's refusal on `/`.
  const OWN_NAMESPACE: Partial<Record<string, string>> = { flood: 'engine', not_found: '/' };
  for (const [reason, code] of Object.entries(REFUSAL_REASONS)) {
    const own = OWN_NAMESPACE[reason];
    zeroKnownSeries(metrics.refusals, { namespace: own ? [own] : NAMESPACES, code: [code], reason: [reason] });
  }
  zeroKnownSeries(metrics.authGate, { result: ['called', 'queued', 'queue_full', 'cached_refusal', 'connection_closed'] });
  zeroKnownSeries(metrics.limitRefusals, { namespace: NAMESPACES, limit: ['auth_failures', 'connection_rate'] });
  zeroKnownSeries(metrics.limitRefusals, { namespace: ['/client'], limit: ['device_connections'] });
  zeroKnownSeries(metrics.limitsFailOpen, { limit: ['auth_failures', 'connection_rate', 'device_connections'] });
  zeroKnownSeries(metrics.sessionEnds, { namespace: NAMESPACES, code: ['TOKEN_EXPIRED', 'INVALID_CREDENTIALS'] });
  zeroKnownSeries(metrics.revocations, { source: ['consumer', 'node'] });
  zeroKnownSeries(metrics.presenceChanges, { state: ['online', 'offline'] });
  zeroKnownSeries(metrics.fanoutProcessed, { subject: Object.values(SUBJECTS), result: ['emitted', 'malformed'] });
  zeroKnownSeries(metrics.fanoutProcessed, { subject: ['other'], result: ['ignored'] });
  zeroKnownSeries(metrics.fanoutLag, { event: ['message:new'] });
  zeroKnownSeries(metrics.roomEvents, { namespace: ['client', 'admin'], result: ['received', 'malformed'] });
  zeroKnownSeries(metrics.roomDeliveries, { namespace: ['client', 'admin'] });
  zeroKnownSeries(metrics.interestFailures, { namespace: ['client', 'admin'] });
  zeroKnownSeries(metrics.natsConnectionEvents, { event: ['disconnect', 'reconnect', 'slow_consumer'] });
  zeroKnownSeries(metrics.redisErrors, { client: ['main', 'presence'] });
  zeroKnownSeries(metrics.eventsOut, { event: ['message:new', 'message:status', 'conversation:updated', 'presence:change', 'session:connect', 'session:disconnect', 'user:typing'] });
  return metrics;
}
