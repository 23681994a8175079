import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export interface LoggerConfig {
  /** Service name, logged as `service` on every line. */
  readonly service: string;
  /** pino level. @default 'info' */
  readonly level?: string;
  /** Where lines go. @default stdout */
  readonly destination?: DestinationStream;
}

/** Header and field names whose values never reach a log line. */
export const REDACTED_PATHS = Object.freeze([
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-internal-token"]',
  'req.headers.cookie',
  'api_key',
  'admin_token',
  'auth.api_key',
  'auth.admin_token',
  'password',
  'token',
  '*.api_key',
  '*.admin_token',
  '*.password',
  '*.token',
]);

/** The one root logger of a service; components take `logger.child({ component })`. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: config.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}
