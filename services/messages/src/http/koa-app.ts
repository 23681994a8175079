import type Koa from 'koa';
import Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { Registry } from '@switchboard/metrics';
import type { Database } from '../db/schema.js';
import { createAppAuthCache } from '../identity/app-auth-cache.js';
import { createTokenVerifier } from '../identity/token-verifier.js';
import { createAuthenticator } from '../use-cases/authenticator.js';
import type { RequestState } from './context.js';
import { addressLimits, type AddressLimitsOptions } from './address-limits.js';
import { corsMiddleware } from './cors.js';
import { appsRoutes } from './routes/apps.js';
import { conversationsRoutes } from './routes/conversations.js';
import { identityKeysRoutes } from './routes/identity-keys.js';
import { createServiceApp, healthRoutes, type Readiness } from '@switchboard/service-kit';
import { internalRoutes } from './routes/internal.js';
import { messagesRoutes } from './routes/messages.js';
import { openApiRoute } from './routes/openapi.js';
import type { MessagesMetrics } from '../metrics.js';
import { buildOpenApiDocument } from '../openapi/document.js';
import type { OutboxWake } from '../repositories/outbox.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import { createSendBatcher } from '../use-cases/send-batcher.js';

export interface MessagesAppDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: MessagesMetrics;
  readonly readiness: () => Promise<Readiness>;
  /** False while the database is not migrated yet: every route but the probes answers 503 `UNAVAILABLE`. */
  readonly accepting?: () => boolean;
  readonly operatorToken?: string | undefined;
  readonly internalToken?: string | undefined;
  readonly allowedOrigins?: readonly string[] | undefined;
  readonly version: string;
  /** Sends per transaction at most (`SEND_BATCH_SIZE`). */
  readonly sendBatchSize: number;
  /** Send transactions in flight at once (`SEND_CONCURRENCY`). */
  readonly sendConcurrency: number;
  /** Per-caller request rate on the public API; none: no limit. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** The per-address limits of the public API (failed authentications, request rate); none: off. */
  readonly addressLimits?: AddressLimitsOptions | undefined;
  /** Wakes the outbox relay after a write committed (the service's one coalescing notifier). */
  readonly wakeRelay: OutboxWake;
}

/** The Koa application: middleware in order (errors first), then every route. Listening is the caller's. */
export function createMessagesApp(deps: MessagesAppDeps): Koa<RequestState> {
  const router = new Router<RequestState>();
  // Apps, their credentials and identity keys: cached for 5 s, dropped at once when this replica changes them.
  const apps = createAppAuthCache({ db: deps.db });
  const verifier = createTokenVerifier({ apps, refusals: deps.metrics.tokenRefusals });
  const authenticator = createAuthenticator({ apps, verifier });
  const onAppChanged = (appId: string) => apps.invalidate(appId);
  const { wakeRelay } = deps;
  const send = createSendBatcher({ db: deps.db, wake: wakeRelay, maxBatchSize: deps.sendBatchSize, maxInFlight: deps.sendConcurrency });

  healthRoutes(router, { readiness: deps.readiness, registry: deps.registry });
  openApiRoute(router, buildOpenApiDocument(deps.version));
  appsRoutes(router, { db: deps.db, operatorToken: deps.operatorToken, onAppChanged, wakeRelay });
  identityKeysRoutes(router, { db: deps.db, operatorToken: deps.operatorToken, onAppChanged, wakeRelay });
  conversationsRoutes(router, { db: deps.db, authenticator, rateLimiter: deps.rateLimiter, wakeRelay });
  messagesRoutes(router, { db: deps.db, authenticator, wakeRelay, send, rateLimiter: deps.rateLimiter });
  internalRoutes(router, { db: deps.db, authenticator, send, wakeRelay, internalToken: deps.internalToken });

  return createServiceApp({
    router,
    logger: deps.logger,
    http: deps.metrics.http,
    accepting: deps.accepting,
    middleware: [corsMiddleware(deps.allowedOrigins), ...(deps.addressLimits ? [addressLimits(deps.addressLimits)] : [])],
  });
}
