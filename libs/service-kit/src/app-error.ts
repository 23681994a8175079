import { describeFieldErrors, ERROR_STATUS, type ErrorCode, type FieldError } from '@switchboard/protocol';

/**
 * The one error type of the service. `expose` says whether `message` may reach the caller: it is false for
 * everything mapped to 500, whose message is replaced by a generic one.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly fields: readonly FieldError[] | undefined;

  /** `status`: only where HTTP needs a status of its own for a code (405 for a method a path does not take). */
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fields?: readonly FieldError[]; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.expose = this.status < 500 || code === 'UNAVAILABLE';
    this.fields = options.fields;
  }
}

/** `what`: the part of the request that failed (`body`, `query`, `request`), named in the message with each field. */
export const validationFailed = (fields: readonly FieldError[], what = 'request') =>
  new AppError('VALIDATION_FAILED', describeFieldErrors(what, fields), { fields });

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

/**
 * A known path asked with a method it does not take: HTTP's 405 (with `Allow`, set by the router), and the
 * contract's closed set of codes has no code of its own for it: `NOT_FOUND`, as no route answers that method.
 */
export const methodNotAllowed = (method: string, path: string, allow: string) =>
  new AppError('NOT_FOUND', `${method} is not allowed on ${path} (allowed: ${allow})`, { status: 405 });
