import cors from '@koa/cors';
import { CREDENTIAL_HEADERS, REQUEST_ID_HEADER } from '@switchboard/protocol';
import type { AppContext } from './context.js';

/**
 * CORS for browsers. `allowedOrigins` unset: any origin. A request without `Origin` (native SDKs, servers) is never
 * affected. Credentials travel in headers, never cookies, so no `Allow-Credentials`.
 */
export function corsMiddleware(allowedOrigins: readonly string[] | undefined) {
  const allowed = allowedOrigins ? new Set(allowedOrigins) : undefined;
  return cors({
    origin: (ctx) => {
      const origin = (ctx as AppContext).get('Origin');
      if (!allowed) return origin || '*';
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'POST', 'PATCH', 'OPTIONS'],
    allowHeaders: ['Content-Type', ...Object.values(CREDENTIAL_HEADERS), REQUEST_ID_HEADER],
    exposeHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
    maxAge: 600,
  });
}
