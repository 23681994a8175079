import os from 'node:os';
import { z } from 'zod';

export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown by `loadConfig` with every missing or bad variable at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    // One problem stays on one line (what a log collector shows as one event); several are listed.
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses the environment with a zod object schema whose keys are variable names.
 * Empty strings count as unset. The result is deep-frozen.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env): DeepReadonly<z.output<S>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.map(String).join('.') || '(environment)';
      return input[name] === undefined && issue.code === 'invalid_type'
        ? `${name} is required but not set`
        : `${name}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
}

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---- variable schemas shared by the services ----

/** A TCP port; `0` asks the OS for a free one (tests). */
export const port = (fallback: number) =>
  z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number')
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535))
    .default(fallback);

export const positiveInt = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(0))
    .default(fallback);

/** A URL whose scheme is one of `protocols` (without the colon), e.g. `url(['postgres', 'postgresql'])`. */
export const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.map((p) => `${p}://`).join(' or ')}` },
  );

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevel = z.enum(LOG_LEVELS).default('info');

/** `LOG_FORMAT`: `json` lines for collectors, `pretty` lines for a terminal (`@switchboard/logger`'s formats). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
/** @default 'json' */
export const logFormat = z.enum(LOG_FORMATS).default('json');

/** Comma-separated list; blank entries dropped. Unset stays `undefined`. */
export const csvList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/** `DATA_DIR`: the folder of `npm start` (PGlite, the demo app's credentials, the generated operator token). @default '.data' */
export const dataDir = z.string().default('.data');

/** `NODE_ID`: this process's id in logs, metrics and session records. @default hostname-pid */
export const nodeId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 characters of A-Z a-z 0-9 . _ : -')
  .default(`${os.hostname()}-${process.pid}`);

/** A flag: `true`/`1` or `false`/`0`. */
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .default(fallback);

/** A secret of at least 16 characters (tokens shared between operators and services). */
export const secret = z.string().min(16, 'must be at least 16 characters');
