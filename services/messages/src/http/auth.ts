import { AppError } from '../domain/errors.js';
import { isAdminTokenShaped, type Authenticator } from '../use-cases/authenticator.js';
import type { Principal } from '@switchboard/protocol';
import { rateLimitKey, type RateLimiter } from '../rate-limit/rate-limiter.js';
import { CLIENT_CREDENTIAL_HEADERS, CREDENTIAL_HEADERS, DEVICE_ID_PATTERN, DeviceIdField, ID_PATTERN, IdField, parseWith } from '@switchboard/protocol';
import { validationFailed } from '../domain/errors.js';
import type { RouteContext, Next } from './context.js';

/** Which callers a route takes: clients (anonymous devices and signed-in users), agents, or both. */
type Who = 'client' | 'agent' | 'both';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Authenticates the caller: `Authorization: Bearer <admin_token | agent token>` is an agent (a bearer shaped like an
 * admin token, `sba.…`, is one; anything else is an agent JWT whose `aud` names the app); `X-App-Id` + `X-Device-Id` +
 * `X-Api-Key` a device, acting as the user of `X-User-Token` when one is sent (a token sent and refused refuses the
 * request, whatever the app's policy). Both kinds on one request are a 400 `VALIDATION_FAILED` (never silently the
 * agent), a malformed `X-Device-Id` too (the contract's rule, naming the header); missing pieces are `MISSING_PARAMS`,
 * wrong ones `INVALID_CREDENTIALS`, an expired token `TOKEN_EXPIRED`; a route meant for the other kind of caller is
 * `FORBIDDEN`. With a `rateLimiter`, a caller over its rate is `RATE_LIMITED` (429 with `Retry-After`), after
 * authentication so that a stranger cannot spend someone else's budget.
 */
export function requireAuth(authenticator: Authenticator, who: Who, rateLimiter?: RateLimiter) {
  return async (ctx: RouteContext, next: Next) => {
    const principal = await authenticate(ctx, authenticator);
    if (who !== 'both' && (principal.kind === 'agent') !== (who === 'agent')) {
      throw new AppError('FORBIDDEN', who === 'client' ? 'this route takes device credentials' : 'this route takes an admin or agent token');
    }
    if (rateLimiter) {
      const decision = await rateLimiter.take(rateLimitKey(principal));
      if (!decision.allowed) {
        ctx.set('Retry-After', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))));
        throw new AppError('RATE_LIMITED', 'too many requests, retry later');
      }
    }
    ctx.state.principal = principal;
    ctx.state.bindLog({ app_id: principal.app_id });
    return next();
  };
}

async function authenticate(ctx: RouteContext, authenticator: Authenticator): Promise<Principal> {
  const authorization = ctx.get(CREDENTIAL_HEADERS.authorization);
  const userToken = ctx.headers[CREDENTIAL_HEADERS.userToken.toLowerCase()];
  const clientHeaders: string[] = CLIENT_CREDENTIAL_HEADERS.filter((name) => ctx.get(name) !== '');
  if (userToken !== undefined) clientHeaders.push(CREDENTIAL_HEADERS.userToken);
  if (authorization && clientHeaders.length > 0) {
    throw validationFailed(
      [{ path: [CREDENTIAL_HEADERS.authorization, ...clientHeaders].join(','), message: 'must not be sent together: send device credentials or an agent token, not both' }],
      'request',
    );
  }
  if (authorization) {
    const bearer = BEARER.exec(authorization)?.[1];
    if (!bearer) throw new AppError('INVALID_CREDENTIALS', 'the Authorization header must be "Bearer <admin token or agent token>"');
    const credentials = isAdminTokenShaped(bearer) ? { adminToken: bearer } : { agentToken: bearer };
    return (await authenticator.authenticateAgent(credentials)).principal;
  }
  const appId = ctx.get(CREDENTIAL_HEADERS.appId);
  const deviceId = ctx.get(CREDENTIAL_HEADERS.deviceId);
  const apiKey = ctx.get(CREDENTIAL_HEADERS.apiKey);
  const missing = CLIENT_CREDENTIAL_HEADERS.filter((name) => !ctx.get(name));
  if (missing.length > 0) throw new AppError('MISSING_PARAMS', `missing credentials: ${missing.join(', ')}`);
  // The schemas' own patterns first (a header is always a string): zod runs only to word the refusal of a bad one.
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    const device = parseWith(DeviceIdField, deviceId);
    if (!device.ok) throw validationFailed(device.fields.map((f) => ({ path: CREDENTIAL_HEADERS.deviceId, message: f.message })), 'request');
  }
  // An app id that cannot be one names no app: wrong credentials, like an unknown one.
  if (!ID_PATTERN.test(appId) && !IdField.safeParse(appId).success) throw new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');
  // Sent (even empty, or repeated): verified, never ignored.
  const token = userToken === undefined ? undefined : Array.isArray(userToken) ? userToken.join(',') : userToken;
  return (await authenticator.authenticateClient({ appId, deviceId, apiKey, userToken: token })).principal;
}
