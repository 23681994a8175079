/**
 * The closed set of error codes of CONTRACT.md, with the HTTP status each one maps to.
 * Every transport (REST, Socket.IO acks, `error` events, `connect_error`) speaks these codes and no others.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MISSING_PARAMS: 401,
  INVALID_CREDENTIALS: 401,
  /** A user or agent token past its `exp` (+ leeway): fetch a new one. */
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.freeze(Object.keys(ERROR_STATUS) as ErrorCode[]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** One failing field of a `VALIDATION_FAILED` error: a dotted path (empty for the whole input) and why. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly message: string;
  /** Present on `VALIDATION_FAILED`: the fields that failed. */
  readonly fields?: readonly FieldError[];
}

/** REST error body: `{ "error": { "code", "message" } }`. */
export interface ErrorBody {
  readonly error: ErrorDetail;
}
