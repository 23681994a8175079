/**
 * The parts every HTTP service of Switchboard is built from (the messages and webhooks services): the one error
 * type and its Koa rendering, the request context, JSON bodies, validation at the edge, the probes, operator auth,
 * the HTTP server's timeouts, the Postgres pool and its probe behind `/readyz` (NATS's and Redis's watchers are
 * in `@switchboard/runtime`), waiting for and migrating the database, the services' shared start and close sequence, ids, and the operator CLIs' runner.
 */
export * from './app-error.js';
export * from './secrets-equal.js';
export * from './ids.js';
export * from './http/context.js';
export * from './http/error-middleware.js';
export * from './http/request-context.js';
export * from './http/json-body.js';
export * from './http/http-server.js';
export * from './http/service-app.js';
export * from './http/validate.js';
export * from './http/health-routes.js';
export * from './http/operator-auth.js';
export * from './http/path-params.js';
export * from './db/database-errors.js';
export * from './db/postgres.js';
export * from './db/prepare-database.js';
export * from './db/database-probe.js';
export * from './database-service.js';
export * from './operator-cli.js';
