import { z } from 'zod';
import { loadConfig, logFormat, logLevel, port, url, type Env } from '@switchboard/config';

/**
 * `npm run start:console`: the console's static server, configured from the environment only. Without the two URLs
 * it serves the build's own `config.json` (edit it, or leave `{}`: the API and gateway on the page's origin).
 */
export const ConsoleServerEnv = z.object({
  /** @default 3003 */
  CONSOLE_PORT: port(3003),
  /** @default '0.0.0.0' */
  CONSOLE_HOST: z.string().default('0.0.0.0'),
  /** The messages service's public base URL, written into the served `config.json` as `apiUrl`. @default unset */
  CONSOLE_API_URL: url(['http', 'https']).optional(),
  /** The gateway's public base URL, written into the served `config.json` as `gatewayUrl`. @default unset */
  CONSOLE_GATEWAY_URL: url(['http', 'https']).optional(),
  /** @default 'info' */
  LOG_LEVEL: logLevel,
  /** @default 'json' */
  LOG_FORMAT: logFormat,
});

export type ConsoleServerConfig = ReturnType<typeof loadConsoleServerConfig>;

/** Parsed once into a frozen object; every bad variable is named in one `ConfigError`. */
export function loadConsoleServerConfig(env: Env) {
  return Object.freeze(loadConfig(ConsoleServerEnv, env));
}
