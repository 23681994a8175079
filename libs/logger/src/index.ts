import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

/** `json`: one JSON object per line, for collectors. `pretty`: one human-readable line, for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerConfig {
  /** Service name, logged as `service` on every line. */
  readonly service: string;
  /** pino level. @default 'info' */
  readonly level?: string;
  /** `LOG_FORMAT`. @default 'json' */
  readonly format?: LogFormat;
  /** Where lines go. @default stdout */
  readonly destination?: DestinationStream;
  /** Colour the pretty lines (ANSI). @default whether stdout is a terminal, when writing to stdout; else false */
  readonly colorize?: boolean;
}

/** Header and field names whose values never reach a log line. */
export const REDACTED_PATHS = Object.freeze([
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-internal-token"]',
  'req.headers["x-user-token"]',
  'req.headers.cookie',
  'api_key',
  'admin_token',
  'auth.api_key',
  'auth.admin_token',
  'password',
  'token',
  'user_token',
  'agent_token',
  'secret',
  '*.api_key',
  '*.admin_token',
  '*.password',
  '*.token',
  '*.user_token',
  '*.agent_token',
  '*.secret',
]);

/** The one root logger of a service; components take `logger.child({ component })`. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: config.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
  if (config.format === 'pretty') {
    // Synchronous, in this thread (no transport worker), so a line is out before the process exits.
    const pretty = PinoPretty({
      destination: config.destination ?? 1,
      sync: true,
      colorize: config.colorize ?? (config.destination === undefined && process.stdout.isTTY === true),
      translateTime: 'SYS:HH:MM:ss.l',
      singleLine: true,
      ignore: 'pid,hostname,service,component',
      messageFormat: '{if component}{component}: {end}{msg}',
    });
    return pino(options, pretty);
  }
  // JSON lines carry the level as its name (`"level":"info"`); pino-pretty reads pino's numbers.
  const json: LoggerOptions = { ...options, formatters: { level: (label) => ({ level: label }) } };
  return config.destination ? pino(json, config.destination) : pino(json);
}
