import uws from 'uWebSockets.js';
import { Redis } from 'ioredis';
import type { Logger } from '@switchboard/logger';
import { nodeConnectionName, presenceKeyPrefix } from '@switchboard/presence';
import { natsNames } from '@switchboard/protocol';
import { createDependencyStatus, createServiceNats, natsTarget, redisTarget, watchRedis } from '@switchboard/runtime';
import type { GatewayDeps } from './app.js';
import type { GatewayConfig } from './config.js';
import { startMessagesProbe } from './dependencies/messages-probe.js';
import { warnOnLongKeepalive } from './dependencies/redis-keepalive.js';
import { createDeferredFanout } from './fanout/deferred-fanout.js';
import type { FanoutSource } from './fanout/fanout-handler.js';
import { createRedisFanoutLease, FANOUT_LEASE_MS } from './fanout/fanout-lease.js';
import { createJetStreamFanout, FANOUT_PACE_MS, FANOUT_PULL_EXPIRES_MS, FANOUT_RETRY_DELAY_MS } from './fanout/jetstream-fanout.js';
import { createLeasedFanout } from './fanout/leased-fanout.js';
import { createNatsRooms, INTEREST_TIMEOUT_MS } from './fanout/nats-room-bus.js';
import type { CreateRooms } from './fanout/room-interest.js';
import { createHttpMessagesApi } from './messages-api.js';
import type { ConnectionRegistry } from './presence/connection-registry.js';
import { createRedisConnectionRegistry } from './presence/redis-connection-registry.js';
import { createRedisStreamsAdapter } from './socket/redis-adapter.js';
import { createMemoryLimitCounters, createRedisLimitCounters, type LimitCounters } from './limits/limit-counters.js';

/** The variables the clients are built from; a URL may be missing where a stand-in is given instead. */
export type GatewayDepsConfig = Pick<
  GatewayConfig,
  | 'NODE_ID'
  | 'REDIS_KEY_PREFIX'
  | 'NATS_CREDS'
  | 'NATS_PREFIX'
  | 'MESSAGES_URL'
  | 'INTERNAL_TOKEN'
  | 'MESSAGES_TIMEOUT_MS'
  | 'AUTH_CACHE_TTL_MS'
  | 'NODE_TTL_MS'
  | 'NODE_LOST_MS'
  | 'SWEEP_INTERVAL_MS'
> & { readonly REDIS_URL?: string | undefined; readonly NATS_URL?: string | undefined };

/** What the embedded mode (`npm start`) gives in place of a server whose URL is not set. */
export interface GatewayStandIns {
  /** In place of Redis: presence and sessions in memory, and Socket.IO's in-memory adapter (one process). */
  readonly registry?: ConnectionRegistry;
  /** In place of the JetStream consumer: the in-process bus. */
  readonly fanout?: FanoutSource;
  /** In place of the `gateway-events` consumer: the in-process bus's app and conversation events. */
  readonly events?: FanoutSource;
  /** In place of the rooms' NATS subjects: this process's sockets alone (`createLocalRooms`). Given with `fanout`. */
  readonly rooms?: CreateRooms;
  /** The messages service runs in this process: no probe of it in `/readyz`. */
  readonly messagesInProcess?: boolean;
}

export interface GatewayDepsOptions {
  readonly logger: Logger;
  /** Ends the process with a configuration error (NATS refusing the credentials, at start or later). */
  readonly fail: (error: unknown) => void;
  readonly standIns?: GatewayStandIns;
}

export interface GatewayClients extends GatewayDeps {
  /** The Redis clients, for the composition root to count their errors in the gateway's metrics. */
  readonly redis: { readonly main: Redis; readonly adapter: Redis } | undefined;
  /** After `drain()`: stops the probes, closes NATS and the Redis clients. */
  close(): Promise<void>;
}

/**
 * Builds every client a gateway node needs from its configuration: the uWS app, Redis (presence and the Socket.IO
 * adapter), NATS (the fan-out consumer, attached once NATS answers) and the messages service's internal API. It
 * starts and listens whatever its dependencies do: one that is unreachable is logged once, retried with backoff
 * and reported by `/readyz` (503 until every one answers); see docs/gateway.md, "Dependencies".
 */
export function createGatewayDeps(config: GatewayDepsConfig, options: GatewayDepsOptions): GatewayClients {
  const { logger, fail } = options;
  const standIns = options.standIns ?? {};
  // Every dependency the gateway watches is required: `/readyz` is 503 while one is down (docs/gateway.md).
  const status = createDependencyStatus(logger);
  const closers: (() => Promise<unknown>)[] = [];
  // Where each dependency is looked for (hosts only, never a credential), or that a stand-in replaces it.
  logger.debug(
    {
      redis: standIns.registry ? 'in process' : config.REDIS_URL && redisTarget(config.REDIS_URL),
      nats: standIns.fanout && standIns.events && standIns.rooms ? 'in process' : config.NATS_URL && natsTarget(config.NATS_URL),
      messages: standIns.messagesInProcess ? 'in process' : natsTarget(config.MESSAGES_URL),
    },
    'dependencies',
  );

  let redisClients: GatewayClients['redis'];
  let redisReady = () => true;
  let registry = standIns.registry;
  let adapter: GatewayDeps['adapter'];
  let limitCounters: LimitCounters = createMemoryLimitCounters();
  /** The client of the shared consumers' lease (one puller per cluster); none without Redis. */
  let leaseRedis: Redis | undefined;
  if (!registry) {
    if (!config.REDIS_URL) throw new Error('REDIS_URL is required');
    // Presence and sessions: our own code, which handles a failed command, so commands fail after a few retries.
    // Its name tells the other nodes' sweeper that this process is alive while its connection is open (a paused
    // node is not swept before NODE_LOST_MS): see `nodeConnectionName`.
    const presencePrefix = presenceKeyPrefix(config.REDIS_KEY_PREFIX);
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, connectionName: nodeConnectionName(presencePrefix, config.NODE_ID) });
    redis.on('error', (error) => logger.debug({ err: error }, 'redis error'));
    // A lost host is told from a paused process by Redis closing its connection: only as fast as Redis's keepalive.
    redis.once('ready', () => void warnOnLongKeepalive(redis, logger, config.NODE_LOST_MS));
    // The Socket.IO adapter does not handle failed commands (an unawaited SUBSCRIBE rejected with
    // MaxRetriesPerRequestError ended the process): its client queues them until Redis answers instead.
    const adapterRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, connectionName: `gateway-${config.NODE_ID}-adapter` });
    adapterRedis.on('error', (error) => logger.debug({ err: error }, 'redis (adapter) error'));
    redisReady = () => redis.status === 'ready' && adapterRedis.status === 'ready';
    // `/readyz`'s `redis` is ok while both these clients are connected; the limits' and lease's client is left
    // out (it fails open at once instead).
    const redisWatch = watchRedis([redis, adapterRedis], status, redisTarget(config.REDIS_URL), { required: true });
    const sweepLog = logger.child({ component: 'presence-sweep' });
    let listRefused = false;
    registry = createRedisConnectionRegistry({
      redis,
      prefix: presencePrefix,
      nodeTtlMs: config.NODE_TTL_MS,
      nodeLostMs: config.NODE_LOST_MS,
      sweepLockMs: config.SWEEP_INTERVAL_MS,
      onConnectionListError: (error) => {
        if (listRefused) return;
        listRefused = true;
        sweepLog.warn({ err: error }, 'CLIENT LIST refused: a node that misses its heartbeat is swept after NODE_TTL_MS even if it is only paused');
      },
      onNodePaused: (nodeId) =>
        sweepLog.info({ paused_node: nodeId, node_lost_ms: config.NODE_LOST_MS }, 'a node missed its heartbeat but its Redis connection is open: taken as paused, not swept yet'),
    });
    adapter = createRedisStreamsAdapter(adapterRedis, config.REDIS_KEY_PREFIX);
    // The limits' and the fan-out lease's client fails a command at once while Redis is unreachable (no offline
    // queue, no retries): a handshake then fails open at once instead of waiting for a reconnection, and a node that
    // cannot ask Redis who pulls the shared consumers pulls them (fanout/fanout-lease.ts).
    const failFastRedis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      connectionName: `gateway-${config.NODE_ID}-failfast`,
    });
    failFastRedis.on('error', (error) => logger.debug({ err: error }, 'redis (limits, lease) error'));
    limitCounters = createRedisLimitCounters(failFastRedis, config.REDIS_KEY_PREFIX);
    leaseRedis = failFastRedis;
    closers.push(async () => failFastRedis.disconnect());
    redisClients = { main: redis, adapter: adapterRedis };
    closers.push(async () => {
      redisWatch.stop();
      await redis.quit().catch(() => redis.disconnect());
      await adapterRedis.quit().catch(() => adapterRedis.disconnect());
    });
  }

  let fanout = standIns.fanout;
  let events = standIns.events;
  let rooms = standIns.rooms;
  if (!fanout || !events || !rooms) {
    if (!config.NATS_URL) throw new Error('NATS_URL is required');
    // Credentials from NATS_URL or NATS_CREDS; refused ones (at start or later) end the process with one line,
    // an unreachable server is waited for (retried with backoff, then nats.js reconnects by itself).
    const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
    // libs/runtime's connection: reconnect attempts every 500 ms, so after an outage the node's rooms and consumers are
    // back within about half a second of the server (docs/reliability.md, NATS).
    const nats = createServiceNats(natsAuth, `gateway-${config.NODE_ID}`, logger, { status, fail, required: true });
    const names = natsNames(config.NATS_PREFIX);
    // Room events go out on this connection, the one that acks what they came from: the server has them first.
    rooms ??= createNatsRooms({ connection: nats.connection, current: nats.current, names, timeoutMs: INTEREST_TIMEOUT_MS });
    // An event is not taken off the stream while it could not be published: room events ride this NATS connection
    // (which delivered the event); credential revocations (`EVENTS`) go to the other nodes through the adapter (Redis).
    const pull = (stream: 'messages' | 'events') =>
      createDeferredFanout(nats.connection, (nc) =>
        createJetStreamFanout({
          nc,
          names,
          logger,
          canEmit: stream === 'events' ? redisReady : () => !nc.isClosed(),
          retryDelayMs: FANOUT_RETRY_DELAY_MS,
          pullExpiresMs: FANOUT_PULL_EXPIRES_MS,
          // Message events come in flows (batched while they do); the `EVENTS` stream's are few.
          paceMs: stream === 'messages' ? FANOUT_PACE_MS : 0,
          stream,
        }),
      );
    // One node of the cluster pulls each shared consumer, the holder of its lease (docs/scaling.md, "One puller"):
    // the others spend nothing on events of rooms where they hold no socket.
    const shared = (stream: 'messages' | 'events') => {
      const source = pull(stream);
      if (!leaseRedis) return source;
      const key = `${config.REDIS_KEY_PREFIX}:fanout:lease:${stream}`;
      return createLeasedFanout(source, createRedisFanoutLease({ redis: leaseRedis, key, owner: config.NODE_ID, ttlMs: FANOUT_LEASE_MS, logger }), logger);
    };
    fanout ??= shared('messages');
    events ??= shared('events');
    closers.unshift(() => nats.close());
  }

  if (!standIns.messagesInProcess) {
    const messagesProbe = startMessagesProbe({ baseUrl: config.MESSAGES_URL, status });
    closers.unshift(async () => messagesProbe.stop());
  }

  return {
    app: uws.App(),
    adapter,
    fanout,
    events,
    rooms,
    dependencies: () => Object.fromEntries(Object.entries(status.checks()).map(([name, state]) => [name, state === 'ok'])),
    api: createHttpMessagesApi({
      baseUrl: config.MESSAGES_URL,
      internalToken: config.INTERNAL_TOKEN,
      timeoutMs: config.MESSAGES_TIMEOUT_MS,
      authCacheTtlMs: config.AUTH_CACHE_TTL_MS,
    }),
    registry,
    limitCounters,
    logger,
    redis: redisClients,
    async close() {
      for (const close of closers) await close();
    },
  };
}
