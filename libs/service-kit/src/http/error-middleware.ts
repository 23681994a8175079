import type { ErrorBody } from '@switchboard/protocol';
import { AppError, methodNotAllowed } from '../app-error.js';
import type { AppContext, Next } from './context.js';

/**
 * Mounted first: turns every error into the contract's `{ error: { code, message } }`. Anything that is not an
 * `AppError` is a 500 `INTERNAL` whose details are logged, never sent.
 */
export function errorMiddleware() {
  return async (ctx: AppContext, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
      // The router's allowedMethods(): 405, or 501 for a method it does not know at all; both set `Allow`.
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        throw methodNotAllowed(ctx.method, ctx.path, ctx.response.get('Allow'));
      }
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'UNAVAILABLE') {
        ctx.set('Retry-After', '1');
        // Debug: the outage itself is logged once by the dependency status, not once per refused request.
        if (ctx.state.debug) ctx.state.log.debug({ err: error }, 'dependency unavailable');
      } else if (appError.status >= 500) {
        ctx.state.log?.error({ err: error }, 'request failed');
      }
      ctx.status = appError.status;
      ctx.set('Cache-Control', 'no-store');
      const body: ErrorBody = {
        error: {
          code: appError.code,
          message: appError.expose ? appError.message : 'internal error',
          ...(appError.fields ? { fields: appError.fields } : {}),
        },
      };
      ctx.body = body;
    }
  };
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Errors thrown by Koa itself or its middleware (http-errors) carry a status.
  const status = (error as { status?: unknown })?.status;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (status === 400) return new AppError('VALIDATION_FAILED', 'the request is not valid');
  return new AppError('INTERNAL', 'internal error', { cause: error });
}
