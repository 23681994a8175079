import { CREDENTIAL_HEADERS } from '@switchboard/protocol';
import { AppError } from '../app-error.js';
import { secretsEqual } from '../secrets-equal.js';
import type { RouterContext } from '@koa/router';
import type { Next, ServiceRequestState } from './context.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The operator API: `Authorization: Bearer $OPERATOR_TOKEN`, compared in constant time. Unset token: the routes do
 * not exist (404). `S`: the state type of the service's router.
 */
export function requireOperator<S extends ServiceRequestState = ServiceRequestState>(operatorToken: string | undefined) {
  return async (ctx: RouterContext<S>, next: Next) => {
    if (!operatorToken) throw new AppError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
    const match = BEARER.exec(ctx.get(CREDENTIAL_HEADERS.authorization));
    if (!match?.[1]) throw new AppError('MISSING_PARAMS', 'missing operator token');
    if (!secretsEqual(match[1], operatorToken)) throw new AppError('INVALID_CREDENTIALS', 'the operator token is not valid');
    return next();
  };
}
