/**
 * `npm run start:console`: the console's static server for production (CONTRACT.md, "Agent console"), configured
 * from the environment only (`config.ts`). The composition root: config, logger, the built site, the server.
 */
import { createLogger } from '@switchboard/logger';
import { reportListening, runService } from '@switchboard/runtime';
import { loadConsoleServerConfig } from './config.js';
import { CONSOLE_DIST_DIR } from './dist-dir.js';
import { loadStaticSite } from './static-site.js';
import { startConsoleServer } from './static-server.js';

runService('console', async () => {
  const config = loadConsoleServerConfig(process.env);
  const logger = createLogger({ service: 'console', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const site = await loadStaticSite(CONSOLE_DIST_DIR);
  const server = await startConsoleServer(config, { site, logger });
  reportListening('CONSOLE_PORT', server.port);
  return async (signal) => {
    logger.info({ signal }, 'shutting down');
    await server.close();
  };
});
