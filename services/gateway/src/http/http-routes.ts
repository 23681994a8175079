import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Registry } from '@switchboard/metrics';

export type CheckState = 'ok' | 'down' | 'draining';

/** `/readyz` (CONTRACT.md, second release): ready when every check is `ok`. */
export interface Readiness {
  readonly ready: boolean;
  /** `redis`, `nats`, `messages`: ok | down; `self`: ok | draining. */
  readonly checks: Readonly<Record<string, CheckState>>;
}

export interface HttpRoutesDeps {
  /** Whether this node can serve (dependencies connected, not draining), and why not. */
  readonly readiness: () => Readiness;
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
  app.get('/readyz', (res) => {
    const { ready, checks } = deps.readiness();
    const body = JSON.stringify({ status: ready ? 'ready' : 'unready', checks });
    send(res, ready ? '200 OK' : '503 Service Unavailable', 'application/json', body);
  });
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
