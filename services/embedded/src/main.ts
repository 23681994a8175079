/**
 * `npm start`: the whole platform in one process for a first try — gateway on 3000, messages on 3001. Real
 * Postgres/Redis/NATS when their URLs are set, embedded stand-ins when not; the agent console at `/console/` on the
 * gateway's port. The composition root of that mode:
 * a different set of arguments to the same `startMessagesService` and `startGateway`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createLogger } from '@switchboard/logger';
import { reportListening, runService } from '@switchboard/runtime';
import { createMessagesDeps, startMessagesService } from '@switchboard/messages';
import { createGatewayDeps, startGateway } from '@switchboard/gateway';
import { CONSOLE_DIST_DIR, loadStaticSite } from '@switchboard/console/server';
import { loadEmbeddedConfig } from './config.js';
import { ensureDemoApp, ensureOperatorToken } from './demo-app.js';
import { ensureDemoIdentityKey } from './demo-identity.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { assertPortsFree } from './port-check.js';
import { registerConsoleRoutes } from './console-routes.js';
import { createStandIns } from './stand-ins.js';
import { printWelcome } from './welcome.js';
import { USAGE, wantsHelp } from './usage.js';

if (wantsHelp(process.argv.slice(2))) {
  process.stdout.write(USAGE);
  process.exit(0);
}

runService(
  'switchboard',
  async ({ fail }) => {
    const config = loadEmbeddedConfig(process.env, { terminal: process.stdout.isTTY === true });
    const logger = createLogger({ service: 'switchboard', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    await mkdir(config.DATA_DIR, { recursive: true });
    // Before anything opens the data: one process per data folder, and both ports free (see docs/embedded.md).
    const lock = acquireDataDirLock(config.DATA_DIR);
    await assertPortsFree([
      { variable: 'GATEWAY_PORT', host: config.GATEWAY_HOST, port: config.GATEWAY_PORT },
      { variable: 'MESSAGES_PORT', host: config.MESSAGES_HOST, port: config.MESSAGES_PORT },
    ]);
    const standIns = await createStandIns(config, logger);
    logger.info(standIns.chosen, 'dependencies');

    const operator = await ensureOperatorToken(config.OPERATOR_TOKEN, config.DATA_DIR);
    // Both services live in this process; the internal API is still HTTP, so keep it closed to others.
    const internalToken = config.INTERNAL_TOKEN ?? randomBytes(24).toString('base64url');
    const messagesDeps = createMessagesDeps(config, {
      logger: logger.child({ component: 'messages' }),
      fail,
      natsName: 'switchboard-embedded',
      standIns: standIns.messages,
    });
    const messages = await startMessagesService({ ...config, OPERATOR_TOKEN: operator.token, INTERNAL_TOKEN: internalToken }, messagesDeps);
    const demo = await ensureDemoApp(messagesDeps.db, config.DATA_DIR);
    const demoKey = await ensureDemoIdentityKey(messagesDeps.db, config.DATA_DIR, demo.app);
    const gatewayDeps = createGatewayDeps(
      { ...config, MESSAGES_URL: `http://127.0.0.1:${messages.port}`, INTERNAL_TOKEN: internalToken },
      { logger: logger.child({ component: 'gateway', node_id: config.NODE_ID }), fail, standIns: standIns.gateway },
    );
    // The built console on the gateway's port, before the gateway adds its catch-all 404 (docs/console.md).
    const consoleSite = await loadStaticSite(CONSOLE_DIST_DIR).catch((error: unknown) => {
      logger.warn({ err: error }, 'the console is not served');
      return undefined;
    });
    if (consoleSite) registerConsoleRoutes(gatewayDeps.app, { site: consoleSite, messagesPort: messages.port });
    const gateway = await startGateway(config, gatewayDeps);
    printWelcome(process.stdout, {
      gatewayPort: gateway.port,
      consoleServed: consoleSite !== undefined,
      messagesPort: messages.port,
      app: demo.app,
      created: demo.created,
      identityKid: demoKey.key.kid,
      operatorToken: operator.generated ? operator.token : undefined,
      dataDir: config.DATA_DIR,
      chosen: standIns.chosen,
    });
    reportListening('MESSAGES_PORT', messages.port);
    reportListening('GATEWAY_PORT', gateway.port);

    return async (signal) => {
      logger.info({ signal }, 'shutting down');
      await gateway.drain();
      await gatewayDeps.close();
      await messages.close();
      await messagesDeps.close();
      lock.release();
      logger.info('bye');
    };
  },
  { nodeMajor: 20 },
);
