/**
 * `npm start`: the whole platform in one process for a first try — gateway on 3000, messages on 3001. Real
 * Postgres/Redis/NATS when their URLs are set, embedded stand-ins when not. The composition root of that mode:
 * a different set of arguments to the same `startMessagesService` and `startGateway`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import uws from 'uWebSockets.js';
import { createLogger } from '@switchboard/logger';
import { runService } from '@switchboard/runtime';
import { createApiRateLimiter, createDependencyStatus, startMessagesService } from '@switchboard/messages';
import { createHttpMessagesApi, startGateway } from '@switchboard/gateway';
import { loadEmbeddedConfig } from './config.js';
import { ensureDemoApp, ensureOperatorToken } from './demo-app.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { createDependencies } from './dependencies.js';
import { assertPortsFree } from './port-check.js';
import { printWelcome } from './welcome.js';
import { USAGE, wantsHelp } from './usage.js';

if (wantsHelp(process.argv.slice(2))) {
  process.stdout.write(USAGE);
  process.exit(0);
}

runService(
  'switchboard',
  async () => {
    const config = loadEmbeddedConfig(process.env, { terminal: process.stdout.isTTY === true });
    const logger = createLogger({ service: 'switchboard', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    await mkdir(config.DATA_DIR, { recursive: true });
    // Before anything opens the data: one process per data folder, and both ports free (see docs/embedded.md).
    const lock = acquireDataDirLock(config.DATA_DIR);
    await assertPortsFree([
      { variable: 'GATEWAY_PORT', host: config.GATEWAY_HOST, port: config.GATEWAY_PORT },
      { variable: 'MESSAGES_PORT', host: config.MESSAGES_HOST, port: config.MESSAGES_PORT },
    ]);
    const deps = await createDependencies(config, logger);
    logger.info(deps.chosen, 'dependencies');

    const operator = await ensureOperatorToken(config.OPERATOR_TOKEN, config.DATA_DIR);
    // Both services live in this process; the internal API is still HTTP, so keep it closed to others.
    const internalToken = config.INTERNAL_TOKEN ?? randomBytes(24).toString('base64url');
    const messagesLogger = logger.child({ component: 'messages' });
    const messages = await startMessagesService(
      { ...config, OPERATOR_TOKEN: operator.token, INTERNAL_TOKEN: internalToken },
      {
        db: deps.db,
        publisher: deps.publisher,
        coordinator: deps.coordinator,
        databaseTarget: deps.chosen.database,
        logger: messagesLogger,
        dependencies: createDependencyStatus(messagesLogger),
        // One process: its own buckets are the whole platform's.
        rateLimiter: createApiRateLimiter({ perSecond: config.API_RATE_PER_SECOND, keyPrefix: config.REDIS_KEY_PREFIX, logger }),
      },
    );
    const demo = await ensureDemoApp(deps.db, config.DATA_DIR);
    const gateway = await startGateway(config, {
      app: uws.App(),
      adapter: deps.adapter,
      fanout: deps.fanout,
      dependencies: deps.checks,
      api: createHttpMessagesApi({
        baseUrl: `http://127.0.0.1:${messages.port}`,
        internalToken,
        timeoutMs: config.MESSAGES_TIMEOUT_MS,
        authCacheTtlMs: config.AUTH_CACHE_TTL_MS,
      }),
      registry: deps.registry,
      logger: logger.child({ component: 'gateway', node_id: config.NODE_ID }),
    });
    printWelcome(process.stdout, {
      gatewayPort: gateway.port,
      messagesPort: messages.port,
      app: demo.app,
      created: demo.created,
      operatorToken: operator.generated ? operator.token : undefined,
      dataDir: config.DATA_DIR,
      chosen: deps.chosen,
    });

    return async (signal) => {
      logger.info({ signal }, 'shutting down');
      await gateway.drain();
      await messages.close();
      await deps.close();
      lock.release();
      logger.info('bye');
    };
  },
  { nodeMajor: 20 },
);
