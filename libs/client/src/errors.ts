import type { ErrorCode, FieldError } from '@switchboard/protocol';

/**
 * Codes a failed send or closed client carries: the contract's error codes (`VALIDATION_FAILED`, `NOT_FOUND`,
 * `FORBIDDEN`…) plus the SDK's own:
 * - `CLIENT_CLOSED`: the client was closed (`close()`, refused credentials, a connection that failed for good)
 *   before the send was acknowledged;
 * - `CONNECTION_LOST`: the connection dropped right after this send, too many times in a row (the send is
 *   presumably what kills it), so it was given up.
 */
export type ClientErrorCode = 'CLIENT_CLOSED' | 'CONNECTION_LOST';

/**
 * Codes a connection ends with: the contract's `ErrorCode`s, `TOKEN_EXPIRED` (announced by CONTRACT.md for
 * expiring tokens), and the SDK's own: `TRANSPORT_ERROR` (the transport failed, or its handshake was refused with
 * no code), `SERVER_DISCONNECT` (the server ended the session on purpose).
 */
export type ConnectionErrorCode = ErrorCode | 'TOKEN_EXPIRED' | 'TRANSPORT_ERROR' | 'SERVER_DISCONNECT';

/** A send that will not be acknowledged. */
export class SendError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  /** `VALIDATION_FAILED` checked by the SDK or the server: the fields that failed. */
  readonly fields: readonly FieldError[] | undefined;
  readonly conversationId: string | undefined;
  readonly localId: string | undefined;
  /**
   * `CLIENT_CLOSED` only: the send stays in the durable store and the next client instance sends it (and emits it
   * as `message:new`).
   */
  readonly kept: boolean;

  constructor(
    error: { code: ErrorCode | ClientErrorCode; message: string; fields?: readonly FieldError[] },
    about: { conversationId?: string; localId?: string; kept?: boolean } = {},
  ) {
    super(error.message);
    this.name = 'SendError';
    this.code = error.code;
    this.fields = error.fields;
    this.conversationId = about.conversationId;
    this.localId = about.localId;
    this.kept = about.kept ?? false;
  }
}

/** Why the client is not connected: a `connect_error`'s code, or the transport's error. */
export interface ConnectionCause {
  /** A contract code (`UNAVAILABLE`, `RATE_LIMITED`, `INVALID_CREDENTIALS`…) or `TRANSPORT_ERROR`. */
  readonly code: ConnectionErrorCode;
  readonly message: string;
  /** The HTTP status of a refused handshake or upgrade, when there was one. */
  readonly status?: number;
}
