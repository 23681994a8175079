import { z } from 'zod';
import { loadConfig, url, type Env } from '@switchboard/config';
import { GatewayTuningEnv } from '@switchboard/gateway';
import { MessagesTuningEnv } from '@switchboard/messages';

/**
 * `npm start`: both services' variables, with every dependency URL optional. An unset URL means the embedded
 * stand-in (PGlite under `DATA_DIR`, in-memory adapter/presence, in-memory bus).
 */
export const EmbeddedEnv = GatewayTuningEnv.extend(MessagesTuningEnv.shape).extend({
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']).optional(),
  /** Where PGlite, the demo app's credentials and the generated operator token live. @default '.data' */
  DATA_DIR: z.string().default('.data'),
});

export type EmbeddedConfig = ReturnType<typeof loadEmbeddedConfig>;

export function loadEmbeddedConfig(env: Env) {
  return loadConfig(EmbeddedEnv, env);
}
