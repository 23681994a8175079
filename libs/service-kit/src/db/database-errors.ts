import { AppError } from '../app-error.js';

/**
 * Postgres failures that mean "the database cannot be reached right now" rather than "this request is wrong":
 * they become 503 `UNAVAILABLE` (retry later) instead of 500. Translated here, next to the driver (see
 * `postgres.ts`), so the HTTP layer and the use cases never look at driver errors themselves.
 */
export class DatabaseUnavailableError extends AppError {
  constructor(cause: unknown) {
    super('UNAVAILABLE', 'the service is unavailable, retry later', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

// SQLSTATE: connection exceptions (class 08), admin/crash shutdown, cannot connect now, too many connections.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** The driver's own error (or our wrapper) says the database cannot be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message);
}

// SQLSTATE that no retry fixes: the database does not exist, the password or the role is refused (28P01, 28000:
// also "no pg_hba.conf entry"). Configuration errors: the service stops and names them.
const CONFIGURATION_STATES: Readonly<Record<string, string>> = Object.freeze({
  '3D000': 'the database does not exist',
  '28P01': 'the credentials were refused',
  '28000': 'the credentials were refused',
});

/** The driver's error under our wrappers (`DatabaseUnavailableError`, a migration failure). */
export function driverError(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    if (!(current instanceof DatabaseUnavailableError) && current.name !== 'MigrationError') break;
    current = current.cause;
  }
  return current;
}

/** Whether no retry can fix it (see CONFIGURATION_STATES). */
export function isDatabaseConfigurationError(error: unknown): boolean {
  const code = (driverError(error) as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(CONFIGURATION_STATES, code);
}

/**
 * The cause of a database failure in one line, code first: `ECONNREFUSED`, `3D000 database "x" does not exist`,
 * `28P01 password authentication failed for user "y"`, `timeout …`. (Node's connect errors may be an
 * AggregateError of one attempt per address, with the code on it and the messages inside.)
 */
export function describeDatabaseError(error: unknown): string {
  const e = driverError(error) as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object') return String(e);
  const code = typeof e.code === 'string' ? e.code : '';
  let message = typeof e.message === 'string' ? e.message : '';
  if (!message && Array.isArray(e.errors)) message = e.errors.map((inner: { message?: unknown }) => String(inner?.message ?? inner)).join('; ');
  const explained = CONFIGURATION_STATES[code];
  const text = [code, message].filter(Boolean).join(' ') || 'unknown error';
  return explained ? `${text} (${explained})` : text;
}

/** `host:port/database` of a connection string, for logs and errors: never the user's password. */
export function databaseTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
    const port = url.port || '5432';
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || '(default)';
    return `${host}:${port}/${database}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}
