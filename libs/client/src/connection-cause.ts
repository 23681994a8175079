import { isErrorCode } from '@switchboard/protocol/error-codes';
import type { ConnectionCause, ConnectionErrorCode } from './errors.js';

/** Handshake refusals that no retry can fix: the client stops and emits `unauthorized`. */
export const CREDENTIAL_CODES: ReadonlySet<string> = new Set<ConnectionErrorCode>(['INVALID_CREDENTIALS', 'MISSING_PARAMS', 'TOKEN_EXPIRED']);

/** A contract code as Socket.IO's `connect_error` carries it (`message`, and `data.code` from this gateway). */
const CODE = /^[A-Z][A-Z_]+$/;

/**
 * Reads a `connect_error`: a refusal by the server (`message` is the code, `data` the full error), or a transport
 * error of engine.io (`description` is the HTTP status of a refused polling request, or the WebSocket's error,
 * whose message names the status of a refused upgrade).
 */
export function connectErrorCause(error: Error & { data?: { code?: unknown; message?: unknown }; description?: unknown }): ConnectionCause {
  const dataCode = typeof error.data?.code === 'string' ? error.data.code : undefined;
  const code = dataCode ?? (CODE.test(error.message) ? error.message : undefined);
  // A code this SDK does not know is retried like a transport error, as any other refusal that is not for good.
  if (code && isErrorCode(code)) return { code, message: typeof error.data?.message === 'string' ? error.data.message : error.message };
  const status = httpStatus(error.description);
  const detail = describe(error.description);
  return {
    code: 'TRANSPORT_ERROR',
    message: detail ? `${error.message}: ${detail}` : error.message,
    ...(status !== undefined ? { status } : {}),
  };
}

/**
 * A connection that fails for good: the server (or what stands before it) answers the handshake with a 4xx other
 * than 429: a wrong URL or path (404), a transport it does not serve (400), an origin it refuses (403). Retrying
 * changes nothing.
 */
export function isFatal(cause: ConnectionCause): boolean {
  return cause.status !== undefined && cause.status >= 400 && cause.status < 500 && cause.status !== 429;
}

function httpStatus(description: unknown): number | undefined {
  if (typeof description === 'number' && description > 0) return description;
  const match = /Unexpected server response: (\d{3})/.exec(describe(description) ?? '');
  return match ? Number(match[1]) : undefined;
}

function describe(description: unknown): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description === 'number' || typeof description === 'string') return String(description);
  const value = description as { message?: unknown; error?: { message?: unknown } };
  if (typeof value.message === 'string' && value.message) return value.message;
  if (typeof value.error?.message === 'string') return value.error.message;
  return undefined;
}
