/**
 * Composition root of the webhooks service: the only place that reads the environment, builds the clients and
 * handles signals. `npm run start:webhooks`.
 */
import { createLogger } from '@switchboard/logger';
import { reportListening, runService } from '@switchboard/runtime';
import { startWebhooksService } from './app.js';
import { loadWebhooksConfig } from './config.js';
import { createWebhooksDeps } from './deps.js';

runService('webhooks', async ({ fail }) => {
  const config = loadWebhooksConfig(process.env);
  const logger = createLogger({ service: 'webhooks', level: config.LOG_LEVEL, format: config.LOG_FORMAT }).child({ node_id: config.NODE_ID });
  // Each dependency unreachable at start is waited for (one log line each), never a reason to exit; /readyz says
  // which one is missing. Only a database that does not exist or refused credentials stop the service.
  const deps = createWebhooksDeps(config, { logger, fail, natsName: 'switchboard-webhooks' });
  const service = await startWebhooksService(config, { ...deps, onListening: (port) => reportListening('WEBHOOKS_PORT', port) });

  return async (signal) => {
    logger.info({ signal }, 'shutting down');
    await service.close();
    await deps.close();
    logger.info('bye');
  };
});
