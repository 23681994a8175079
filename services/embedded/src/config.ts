import { z } from 'zod';
import { bool, dataDir, LOG_FORMATS, loadConfig, url, type Env } from '@switchboard/config';
import { GatewayTuningEnv } from '@switchboard/gateway';
import { MessagesTuningEnv } from '@switchboard/messages';
import { WebhooksOwnEnv } from '@switchboard/webhooks';

/**
 * `npm start`: the three services' variables, with every dependency URL optional. An unset URL means the embedded
 * stand-in (PGlite under `DATA_DIR`, in-memory adapter/presence, in-memory bus).
 */
export const EmbeddedEnv = GatewayTuningEnv.extend(MessagesTuningEnv.shape).extend(WebhooksOwnEnv.shape).extend({
  /** One machine: the demo's receivers are local, on http://. @default true */
  WEBHOOKS_ALLOW_INSECURE: bool(true),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']).optional(),
  /** Where PGlite, the demo app's credentials and the generated operator token live. @default '.data' */
  DATA_DIR: dataDir,
  /** @default 'pretty' when stdout is a terminal, else 'json' (see `loadEmbeddedConfig`) */
  LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
});

export interface EmbeddedConfigOptions {
  /** Whether stdout is a terminal: someone is reading the lines. @default false */
  readonly terminal?: boolean;
}

export type EmbeddedConfig = ReturnType<typeof loadEmbeddedConfig>;

export function loadEmbeddedConfig(env: Env, options: EmbeddedConfigOptions = {}) {
  const { LOG_FORMAT, ...config } = loadConfig(EmbeddedEnv, env);
  return Object.freeze({ ...config, LOG_FORMAT: LOG_FORMAT ?? (options.terminal ? 'pretty' : 'json') });
}
