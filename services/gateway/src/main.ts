/**
 * Composition root of the gateway: reads the environment, builds the clients (uWS app, Redis, NATS, messages
 * API), starts the node and drains it on SIGTERM. `npm run start:gateway`.
 *
 * It starts and listens whatever its dependencies do: one that is unreachable is logged once, retried with backoff
 * and reported by `/readyz` (503 until every one answers); see docs/gateway.md, "Dependencies".
 */
import uws from 'uWebSockets.js';
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { natsAuthFailure, natsConnectionOptions, onNatsCredentialsRefused } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { reportListening, runService } from '@switchboard/runtime';
import { startGateway } from './app.js';
import { loadGatewayConfig } from './config.js';
import { createDependencyState, targetOf } from './dependencies/dependency-state.js';
import { startMessagesProbe } from './dependencies/messages-probe.js';
import { connectNatsWithRetry } from './dependencies/nats-connection.js';
import { followRedis } from './dependencies/redis-state.js';
import { createDeferredFanout } from './fanout/deferred-fanout.js';
import { createJetStreamFanout } from './fanout/jetstream-fanout.js';
import { createHttpMessagesApi } from './messages-api.js';
import { createRedisConnectionRegistry } from './presence/redis-connection-registry.js';
import { createRedisStreamsAdapter } from './socket/redis-adapter.js';

// The uWebSockets.js build we depend on ships binaries for Node 20 only; elsewhere it falls back to a shim that
// answers HTTP but never accepts Socket.IO clients. See docs/gateway.md, "Node versions".
runService(
  'gateway',
  async ({ fail }) => {
    const config = loadGatewayConfig(process.env);
    const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, format: config.LOG_FORMAT }).child({ node_id: config.NODE_ID });
    if (!config.ALLOWED_ORIGINS) logger.warn('ALLOWED_ORIGINS is not set: sockets are accepted from any origin');
    // A last resort, not a way of handling errors: a client library that rejects a promise nobody awaits (seen with
    // the Redis adapter's subscriptions while Redis is down) must not end a node that is otherwise serving.
    process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection from a client library'));

    const redisState = createDependencyState('redis', targetOf(config.REDIS_URL), logger);
    const natsState = createDependencyState('nats', targetOf(config.NATS_URL), logger);
    const messagesState = createDependencyState('messages', targetOf(config.MESSAGES_URL), logger);

    // Presence and sessions: our own code, which handles a failed command, so commands fail after a few retries.
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, connectionName: `gateway-${config.NODE_ID}` });
    redis.on('error', (error) => logger.debug({ err: error }, 'redis error'));
    const redisFollower = followRedis(redis, redisState);
    // The Socket.IO adapter does not handle failed commands (an unawaited SUBSCRIBE rejected with
    // MaxRetriesPerRequestError ended the process): its client queues them until Redis answers instead.
    const adapterRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, connectionName: `gateway-${config.NODE_ID}-adapter` });
    adapterRedis.on('error', (error) => logger.debug({ err: error }, 'redis (adapter) error'));

    // Credentials from NATS_URL or NATS_CREDS; refused ones (at start or later) end the process with one line,
    // an unreachable server is waited for.
    const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
    const nats = connectNatsWithRetry({
      connect: () =>
        connect({ ...natsConnectionOptions(natsAuth), name: `gateway-${config.NODE_ID}`, maxReconnectAttempts: -1 }).catch((error: unknown) => {
          const refused = natsAuthFailure(error, natsAuth);
          if (refused !== error) fail(refused);
          throw refused;
        }),
      state: natsState,
      logger,
    });
    void nats.connection.then((nc) => onNatsCredentialsRefused(nc, natsAuth, fail));
    const names = natsNames(config.NATS_PREFIX);
    const messagesProbe = startMessagesProbe({ baseUrl: config.MESSAGES_URL, state: messagesState });
    const api = createHttpMessagesApi({
      baseUrl: config.MESSAGES_URL,
      internalToken: config.INTERNAL_TOKEN,
      timeoutMs: config.MESSAGES_TIMEOUT_MS,
      authCacheTtlMs: config.AUTH_CACHE_TTL_MS,
    });
    const registry = createRedisConnectionRegistry({
      redis,
      prefix: `${config.REDIS_KEY_PREFIX}:presence`,
      nodeTtlMs: config.NODE_TTL_MS,
      sweepLockMs: config.SWEEP_INTERVAL_MS,
    });
    const redisReady = () => redis.status === 'ready' && adapterRedis.status === 'ready';
    const gateway = await startGateway(config, {
      app: uws.App(),
      adapter: createRedisStreamsAdapter(adapterRedis, config.REDIS_KEY_PREFIX),
      // An event is not taken off the stream while the adapter could not publish it.
      fanout: (handle) =>
        createDeferredFanout(nats.connection, (nc) => createJetStreamFanout({ nc, names, handle, logger, canEmit: redisReady })),
      dependencies: () => ({ redis: redisReady(), nats: natsState.ok(), messages: messagesState.ok() }),
      api,
      registry,
      logger,
    });
    redis.on('error', () => gateway.metrics.redisErrors.inc({ client: 'main' }));
    adapterRedis.on('error', () => gateway.metrics.redisErrors.inc({ client: 'adapter' }));
    reportListening('GATEWAY_PORT', gateway.port);

    return async (signal) => {
      logger.info({ signal }, 'shutting down');
      await gateway.drain();
      messagesProbe.stop();
      await nats.close();
      redisFollower.stop();
      await redis.quit().catch(() => redis.disconnect());
      await adapterRedis.quit().catch(() => adapterRedis.disconnect());
      logger.info('bye');
    };
  },
  { nodeMajor: 20 },
);
