/**
 * Composition root of the gateway: reads the environment, builds the clients (uWS app, Redis, NATS, messages
 * API), starts the node and drains it on SIGTERM. `npm run start:gateway`.
 *
 * It starts and listens whatever its dependencies do: one that is unreachable is logged once, retried with backoff
 * and reported by `/readyz` (503 until every one answers); see docs/gateway.md, "Dependencies".
 */
import { createLogger } from '@switchboard/logger';
import { reportListening, runService } from '@switchboard/runtime';
import { startGateway } from './app.js';
import { loadGatewayConfig } from './config.js';
import { createGatewayDeps } from './deps.js';

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

    const deps = createGatewayDeps(config, { logger, fail });
    const gateway = await startGateway(config, deps);
    deps.redis?.main.on('error', () => gateway.metrics.redisErrors.inc({ client: 'main' }));
    deps.redis?.adapter.on('error', () => gateway.metrics.redisErrors.inc({ client: 'adapter' }));
    reportListening('GATEWAY_PORT', gateway.port);

    return async (signal) => {
      logger.info({ signal }, 'shutting down');
      await gateway.drain();
      await deps.close();
      logger.info('bye');
    };
  },
  { nodeMajor: 20 },
);
