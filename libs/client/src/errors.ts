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
 * Codes a connection ends with: the contract's `ErrorCode`s (`TOKEN_EXPIRED` among them: a user or agent token past
 * its `exp`), and the SDK's own: `TRANSPORT_ERROR` (the transport failed, or its handshake was refused with no code),
 * `SERVER_DISCONNECT` (the server ended the session on purpose), `TOKEN_UNAVAILABLE` (`getUserToken` /
 * `getAgentToken` failed, so no connection was tried: retried with the backoff).
 */
export type ConnectionErrorCode = ErrorCode | 'TRANSPORT_ERROR' | 'SERVER_DISCONNECT' | 'TOKEN_UNAVAILABLE';

/**
 * Why a token could not be had or used (the `token:error` event, and REST calls that needed one):
 * - `TOKEN_UNAVAILABLE`: `getUserToken` / `getAgentToken` threw or rejected (its error is the `cause`), returned no
 *   string, or returned again the very token the server had just refused as expired;
 * - a contract code: the gateway refused an in-band refresh (`auth:refresh`): `FORBIDDEN` (the new token names
 *   another `sub`), `INVALID_CREDENTIALS`, `TOKEN_EXPIRED`, `VALIDATION_FAILED`; or `UNAVAILABLE` when its ack did
 *   not come in time.
 */
export type TokenErrorCode = ErrorCode | 'TOKEN_UNAVAILABLE';

/** A token callback or an in-band refresh failed; the client retries with its backoff. Never carries a token. */
export class TokenError extends Error {
  readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TokenError';
    this.code = code;
  }
}

/**
 * A request over the socket that failed (`join`, `sessions`, `subscribe`, `updateConversation`): the ack's contract
 * code (`VALIDATION_FAILED`, `NOT_FOUND`, `FORBIDDEN`…), or `CLIENT_CLOSED` when the client is or gets closed first.
 */
export class RequestError extends Error {
  readonly code: ErrorCode | 'CLIENT_CLOSED';
  /** The event that was refused (`conversation:update`…). */
  readonly event: string | undefined;

  constructor(code: ErrorCode | 'CLIENT_CLOSED', message: string, event?: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.event = event;
  }
}

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
