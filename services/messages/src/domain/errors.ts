import { ERROR_STATUS, type ErrorCode, type FieldError } from '@switchboard/protocol';

/**
 * The one error type of the service. `expose` says whether `message` may reach the caller: it is false for
 * everything mapped to 500, whose message is replaced by a generic one.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly fields: readonly FieldError[] | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fields?: readonly FieldError[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.expose = this.status < 500 || code === 'UNAVAILABLE';
    this.fields = options.fields;
  }
}

export const validationFailed = (fields: readonly FieldError[], message = 'the request is not valid') =>
  new AppError('VALIDATION_FAILED', message, { fields });

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
