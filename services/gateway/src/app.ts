import uws from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import { SUBJECTS } from '@switchboard/protocol';
import { createLimitsFailOpen } from '@switchboard/runtime';
import type { GatewayConfig } from './config.js';
import { drainConnections } from './drain.js';
import { createBroadcaster } from './socket/broadcaster.js';
import type { CreateRooms } from './fanout/room-interest.js';
import { createConversationUpdateRoute } from './events/conversation-updates.js';
import { createRevocationRelay } from './events/credential-revocations.js';
import { createEventsHandler } from './events/events-handler.js';
import { createFanoutHandler, type FanoutSource } from './fanout/fanout-handler.js';
import { registerHttpRoutes, type CheckState, type Readiness } from './http/http-routes.js';
import type { MessagesApi } from './messages-api.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import type { ConnectionRegistry } from './presence/connection-registry.js';
import { registerAdminNamespace } from './socket/admin-namespace.js';
import { registerClientNamespace } from './socket/client-namespace.js';
import { createAuthGate } from './socket/auth-gate.js';
import { createEventGuard } from './socket/event-guard.js';
import { connectionRecordOf, createPresenceAnnouncer } from './presence/presence-announcer.js';
import { createAgentPresence } from './presence/agent-presence.js';
import { startSlowConsumerMonitor } from './socket/slow-consumers.js';
import { createSessionEnforcer } from './socket/session-enforcer.js';
import { createSocketServer } from './socket/socket-server.js';
import type { AnySocket } from './socket/types.js';
import { createHandshakeLimits } from './limits/handshake-limits.js';
import type { LimitCounters } from './limits/limit-counters.js';

export type GatewayOptions = Pick<
  GatewayConfig,
  | 'GATEWAY_PORT'
  | 'GATEWAY_HOST'
  | 'NODE_ID'
  | 'ALLOWED_ORIGINS'
  | 'PING_INTERVAL_MS'
  | 'PING_TIMEOUT_MS'
  | 'MAX_PAYLOAD_BYTES'
  | 'DRAIN_WINDOW_MS'
  | 'ALLOW_POLLING'
  | 'NODE_HEARTBEAT_MS'
  | 'SWEEP_INTERVAL_MS'
  | 'PRESENCE_GRACE_MS'
  | 'SLOW_CONSUMER_BUFFER_BYTES'
  | 'SLOW_CONSUMER_GRACE_MS'
  | 'EVENT_RATE_PER_SECOND'
  | 'AUTH_CONCURRENCY'
  | 'AUTH_QUEUE_LENGTH'
  | 'AUTH_FAILURES_PER_IP_PER_MINUTE'
  | 'MAX_CONNECTIONS_PER_DEVICE'
  | 'CONNECTIONS_PER_IP_PER_10S'
  | 'TRUSTED_PROXY_HOPS'
>;

export interface GatewayDeps {
  readonly app: TemplatedApp;
  /** Socket.IO adapter factory; omitted, Socket.IO's in-memory adapter (a single process). */
  readonly adapter?: ServerOptions['adapter'] | undefined;
  /** Where `message.created` / `message.status` come from (JetStream, or the embedded bus). */
  readonly fanout: FanoutSource;
  /**
   * Where `EVENTS` come from (`app.credentials_revoked`, `conversation.updated`): the shared `gateway-events`
   * JetStream consumer, or the embedded bus. Same interface as the fan-out's, handled by `events/events-handler.ts`.
   */
  readonly events: FanoutSource;
  /**
   * The room bus and the joins' interest (interest-based fan-out, docs/scaling.md): core NATS subjects per room, or
   * this process's sockets alone (`fanout/local-room-bus.ts`, the embedded mode).
   */
  readonly rooms: CreateRooms;
  /**
   * The dependencies the node cannot serve without, by the names `/readyz` reports (`redis`, `nats`, `messages`):
   * true while each answers. The fan-out consumer's attachment counts under `nats` (or `fanout` without NATS).
   */
  readonly dependencies: () => Readonly<Record<string, boolean>>;
  readonly api: MessagesApi;
  readonly registry: ConnectionRegistry;
  /**
   * Where the handshake limits count per address: failures per minute and connections per 10 s, in Redis (every
   * node together) or in memory (the embedded mode). See limits/limit-counters.ts.
   */
  readonly limitCounters: LimitCounters;
  readonly logger: Logger;
}

export interface Gateway {
  readonly port: number;
  /** For the composition root to count client errors it sees (e.g. Redis `error` events). */
  readonly metrics: GatewayMetrics;
  readonly nodeId: string;
  ready(): boolean;
  /** What `/readyz` answers. */
  readiness(): Readiness;
  /** SIGTERM: unready at once, no new connections, fan-out stopped, connections closed over the drain window. */
  drain(): Promise<void>;
}

/**
 * Wires one gateway node: Socket.IO on the given uWS app, namespaces, fan-out consumer, presence heartbeat and
 * sweeper, slow-consumer monitor, probes. Owns none of the clients it is given; `drain()` stops what it started.
 */
export async function startGateway(options: GatewayOptions, deps: GatewayDeps): Promise<Gateway> {
  const { logger, registry, fanout, events } = deps;
  const nodeId = options.NODE_ID;
  let draining = false;

  const server = createSocketServer({
    app: deps.app,
    adapter: deps.adapter,
    pingIntervalMs: options.PING_INTERVAL_MS,
    pingTimeoutMs: options.PING_TIMEOUT_MS,
    maxPayloadBytes: options.MAX_PAYLOAD_BYTES,
    allowPolling: options.ALLOW_POLLING,
    allowedOrigins: options.ALLOWED_ORIGINS,
    maxBackpressureBytes: Math.max(4 * options.SLOW_CONSUMER_BUFFER_BYTES, 1 << 20),
    refuseNew: () => draining,
    trustedProxyHops: options.TRUSTED_PROXY_HOPS,
    onConnectFlood: () => {
      metrics.refusals.inc({ namespace: 'engine', code: 'RATE_LIMITED', reason: 'flood' });
      logger.debug('closed a connection that sent a second CONNECT for a namespace');
    },
    onMainNamespaceRefused: () => metrics.refusals.inc({ namespace: '/', code: 'NOT_FOUND', reason: 'not_found' }),
    logger,
  });
  const { client, admin } = server;
  const allSockets = (): AnySocket[] => [...client.sockets.values(), ...admin.sockets.values()];

  const registryMetrics = createMetricsRegistry({ defaultLabels: { service: 'gateway', node_id: nodeId } });
  const metrics = createGatewayMetrics(registryMetrics, {
    connectionCount: (ns) => (ns === '/client' ? client.sockets.size : admin.sockets.size),
    natsPending: () => fanout.pending(),
    fanoutPulling: () => ({ messages: fanout.pulling?.() ?? true, events: events.pulling?.() ?? true }),
    roomSubscriptions: () => rooms.subscriptions(),
  });

  const rooms = deps.rooms({
    client,
    admin,
    metrics,
    logger,
    // Room events published while NATS was unreachable never reached this node: its sockets reconnect (here or
    // elsewhere), and the SDK joins again and catches up from `last_message_id`.
    onInterestLost: () => {
      if (draining) return;
      void drainConnections({ sockets: allSockets, windowMs: options.DRAIN_WINDOW_MS, logger });
    },
  });
  const { interest } = rooms;
  const broadcaster = createBroadcaster(rooms.bus, metrics);
  const announcer = createPresenceAnnouncer(registry, broadcaster, metrics, logger, { graceMs: options.PRESENCE_GRACE_MS });
  const agents = createAgentPresence(registry, metrics, logger, nodeId);
  const limits = createHandshakeLimits({
    authFailuresPerMinute: options.AUTH_FAILURES_PER_IP_PER_MINUTE,
    connectionsPer10s: options.CONNECTIONS_PER_IP_PER_10S,
    maxConnectionsPerDevice: options.MAX_CONNECTIONS_PER_DEVICE,
    ...deps.limitCounters,
    registry,
    addressOf: server.addressOf,
    failOpen: createLimitsFailOpen({ failedOpen: metrics.limitsFailOpen, log: logger.child({ component: 'limits' }), limits: 'connection and authentication limits' }),
    metrics,
  });
  const gate = createAuthGate(deps.api, { concurrency: options.AUTH_CONCURRENCY, queueLength: options.AUTH_QUEUE_LENGTH, metrics });
  const guard = createEventGuard({ metrics, logger, ratePerSecond: options.EVENT_RATE_PER_SECOND });
  // Token expiry and revocation of live sockets: one deadline structure for the node, swept every second.
  const sessions = createSessionEnforcer({ sockets: allSockets, metrics, logger });
  registerClientNamespace(client, { api: deps.api, gate, announcer, broadcaster, interest, guard, limits, metrics, logger, nodeId, sessions });
  registerAdminNamespace(admin, { api: deps.api, gate, registry, agents, broadcaster, interest, guard, limits, metrics, logger, sessions });
  sessions.start();
  const revocations = createRevocationRelay({
    // With the Redis adapter the other nodes hear of a revocation through it; alone (in-memory adapter) there are none.
    nodes: deps.adapter ? server.io.sockets : undefined,
    sessions,
    api: deps.api,
    metrics,
    logger,
  });

  // Liveness: while this node beats, its connections count; if it was swept (a long pause), re-register them.
  const beat = async () => {
    try {
      const { swept } = await registry.heartbeat(nodeId);
      if (swept && client.sockets.size + admin.sockets.size > 0) {
        logger.warn({ connections: client.sockets.size, agents: admin.sockets.size }, 'this node had been swept; registering its connections again');
        await Promise.all([
          ...[...client.sockets.values()].map((socket) => announcer.connected(connectionRecordOf(socket, nodeId))),
          agents.registerAll(admin.sockets.values()),
        ]);
      }
    } catch (error) {
      metrics.redisErrors.inc({ client: 'presence' });
      logger.debug({ err: error }, 'heartbeat failed');
    }
  };
  await beat();
  const heartbeat = setInterval(beat, options.NODE_HEARTBEAT_MS);
  const sweeper = setInterval(() => {
    registry.sweepDeadNodes().then(
      (swept) => {
        if (swept.length > 0) logger.info({ connections: swept.length }, 'swept the connections of dead nodes');
        announcer.swept(swept);
      },
      (error: unknown) => {
        metrics.redisErrors.inc({ client: 'presence' });
        logger.debug({ err: error }, 'sweep failed');
      },
    );
  }, options.SWEEP_INTERVAL_MS);
  heartbeat.unref();
  sweeper.unref();

  const slowConsumers = startSlowConsumerMonitor({
    sockets: allSockets,
    thresholdBytes: options.SLOW_CONSUMER_BUFFER_BYTES,
    graceMs: options.SLOW_CONSUMER_GRACE_MS,
    metrics,
    logger,
  });

  const readiness = (): Readiness => {
    const checks: Record<string, CheckState> = {};
    const states = { ...deps.dependencies() };
    // Both shared consumers deliver only what is published after they exist: not ready before both are attached.
    if ('nats' in states) states.nats = states.nats! && fanout.ready() && events.ready();
    else states.fanout = fanout.ready() && events.ready();
    for (const [name, ok] of Object.entries(states)) checks[name] = ok ? 'ok' : 'down';
    checks.self = draining ? 'draining' : 'ok';
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  };
  const ready = () => readiness().ready;
  registerHttpRoutes(deps.app, { readiness, registry: registryMetrics });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    deps.app.listen(options.GATEWAY_HOST, options.GATEWAY_PORT, (token) => {
      if (token) resolve(token);
      else reject(new Error(`cannot listen on ${options.GATEWAY_HOST}:${options.GATEWAY_PORT}`));
    });
  });
  const port = uws.us_socket_local_port(listenSocket);
  fanout.start(createFanoutHandler(broadcaster, metrics, logger));
  events.start(
    createEventsHandler(
      { [SUBJECTS.appCredentialsRevoked]: revocations, [SUBJECTS.conversationUpdated]: createConversationUpdateRoute(broadcaster) },
      metrics,
      logger,
    ),
  );
  logger.info({ port }, 'gateway listening');

  let drained: Promise<void> | undefined;
  const drain = () =>
    (drained ??= (async () => {
      draining = true;
      metrics.draining.set(1);
      const started = Date.now();
      logger.info({ window_ms: options.DRAIN_WINDOW_MS }, 'draining');
      uws.us_listen_socket_close(listenSocket);
      // Stop pulling: events in hand are emitted and acked, the rest go to the other nodes.
      await Promise.all([fanout.stop(), events.stop()]);
      const { closed, leftOpen } = await drainConnections({ sockets: allSockets, windowMs: options.DRAIN_WINDOW_MS, logger });
      // Departures end their grace here (a device that reconnected to another node meanwhile announces nothing),
      // within the drain window.
      await announcer.settled(started + options.DRAIN_WINDOW_MS * 0.9);
      await agents.settled();
      slowConsumers.stop();
      sessions.stop();
      clearInterval(heartbeat);
      clearInterval(sweeper);
      await registry.removeNode(nodeId).catch((error: unknown) => logger.warn({ err: error }, 'could not remove this node from the registry'));
      server.io.close();
      rooms.close();
      logger.info({ closed, left_open: leftOpen, ms: Date.now() - started }, 'drained');
    })());

  return { port, nodeId, metrics, ready, readiness, drain };
}
