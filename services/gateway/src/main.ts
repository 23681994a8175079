/**
 * Composition root of the gateway: reads the environment, builds the clients (uWS app, Redis, NATS, messages
 * API), starts the node and drains it on SIGTERM. `npm run start:gateway`.
 */
import uws from 'uWebSockets.js';
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { natsAuthFailure, natsConnectionOptions, onNatsCredentialsRefused } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { runService } from '@switchboard/runtime';
import { startGateway } from './app.js';
import { loadGatewayConfig } from './config.js';
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

    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, connectionName: `gateway-${config.NODE_ID}` });
    redis.on('error', (error) => logger.debug({ err: error }, 'redis error'));
    // Credentials from NATS_URL or NATS_CREDS; refused ones (at start or later) end the process with one line.
    const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
    const nc = await connect({
      ...natsConnectionOptions(natsAuth),
      name: `gateway-${config.NODE_ID}`,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
    }).catch((error: unknown) => {
      throw natsAuthFailure(error, natsAuth);
    });
    onNatsCredentialsRefused(nc, natsAuth, fail);
    const names = natsNames(config.NATS_PREFIX);
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
    const redisReady = () => redis.status === 'ready';
    const gateway = await startGateway(config, {
      app: uws.App(),
      adapter: createRedisStreamsAdapter(redis, config.REDIS_KEY_PREFIX),
      // An event is not taken off the stream while the adapter could not publish it.
      fanout: (handle) => createJetStreamFanout({ nc, names, handle, logger, canEmit: redisReady }),
      dependenciesReady: () => redisReady() && !nc.isClosed(),
      api,
      registry,
      logger,
    });
    redis.on('error', () => gateway.metrics.redisErrors.inc({ client: 'main' }));

    return async (signal) => {
      logger.info({ signal }, 'shutting down');
      await gateway.drain();
      await nc.drain().catch((error: unknown) => logger.warn({ err: error }, 'NATS drain failed'));
      await redis.quit().catch(() => redis.disconnect());
      logger.info('bye');
    };
  },
  { nodeMajor: 20 },
);
