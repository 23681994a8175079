import type { ErrorCode } from '@switchboard/protocol';

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
