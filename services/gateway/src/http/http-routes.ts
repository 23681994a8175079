import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Registry } from '@switchboard/metrics';

export interface HttpRoutesDeps {
  /** True while this node can serve (dependencies connected, not draining). */
  readonly ready: () => boolean;
  readonly registry: Registry;
}

function send(res: HttpResponse, status: string, type: string, body: string): void {
  // uWS: write the whole response in one cork (one syscall).
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', type).writeHeader('Cache-Control', 'no-store').end(body);
  });
}

/**
 * Probes and metrics on the gateway's own uWS app (CONTRACT.md): never routed from outside. Handlers that await
 * register `onAborted` first, as uWS requires.
 */
export function registerHttpRoutes(app: TemplatedApp, deps: HttpRoutesDeps): void {
  app.get('/healthz', (res) => send(res, '200 OK', 'application/json', '{"status":"ok"}'));
  app.get('/readyz', (res) =>
    deps.ready()
      ? send(res, '200 OK', 'application/json', '{"status":"ready"}')
      : send(res, '503 Service Unavailable', 'application/json', '{"status":"unavailable"}'),
  );
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    deps.registry.metrics().then(
      (text) => !aborted && send(res, '200 OK', deps.registry.contentType, text),
      () => !aborted && send(res, '500 Internal Server Error', 'text/plain', 'metrics failed'),
    );
  });
  app.any('/*', (res) =>
    send(res, '404 Not Found', 'application/json', '{"error":{"code":"NOT_FOUND","message":"no such route"}}'),
  );
}
