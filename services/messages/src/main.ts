/**
 * Composition root of the messages service: the only place that reads the environment, builds the clients and
 * handles signals. `npm run start:messages`.
 */
import { createLogger } from '@switchboard/logger';
import { reportListening, runService } from '@switchboard/runtime';
import { startMessagesService } from './app.js';
import { loadMessagesConfig } from './config.js';
import { createMessagesDeps } from './deps.js';

runService('messages', async ({ fail }) => {
  const config = loadMessagesConfig(process.env);
  const logger = createLogger({ service: 'messages', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  // Each dependency unreachable at start is waited for (one log line each), never a reason to exit; /readyz says
  // which one is missing. Only a database that does not exist or refused credentials stop the service.
  const deps = createMessagesDeps(config, { logger, fail, natsName: 'switchboard-messages' });
  const service = await startMessagesService(config, { ...deps, onListening: (port) => reportListening('MESSAGES_PORT', port) });

  return async (signal) => {
    logger.info({ signal }, 'shutting down');
    await service.close();
    await deps.close();
    logger.info('bye');
  };
});
