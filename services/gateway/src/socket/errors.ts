import { isErrorCode, type AckError, type ErrorCode, type HandshakeRefusalData } from '@switchboard/protocol';

/**
 * The gateway's one error type, with a code of the contract: raised by the gateway itself (bad payload, foreign
 * app, rate limit) and for refusals or failures of the messages service.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** The one mapping from any error to an ack's or `error` event's `{ code, message }`; 5xx details never leak. */
export function toAckError(error: unknown): AckError {
  if (error instanceof GatewayError) {
    if (error.code === 'INTERNAL') return { code: 'INTERNAL', message: 'internal error' };
    return { code: error.code, message: error.message };
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

/** A `connect_error` for the client: `message` is the code, `data` the full error. */
/** A `connect_error`: `message` is the code (CONTRACT.md), `data` says it again with a message and maybe when to retry. */
export function handshakeRefusal(code: ErrorCode, message: string, retryAfterMs?: number): Error & { data: HandshakeRefusalData } {
  const data: HandshakeRefusalData = retryAfterMs === undefined ? { code, message } : { code, message, retry_after_ms: retryAfterMs };
  return Object.assign(new Error(code), { data });
}

export function errorCodeOf(error: unknown): ErrorCode {
  const code = (error as { code?: unknown })?.code;
  return isErrorCode(code) ? code : 'INTERNAL';
}

/** Typing in a conversation the socket has not joined. */
export const notJoined = () => new GatewayError('FORBIDDEN', 'join the conversation first');
