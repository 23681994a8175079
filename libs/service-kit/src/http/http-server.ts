import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How long the service waits on a client, chosen rather than left to Node's defaults (a request head may take 60 s,
 * and the expired ones are only looked for every 30 s, so a half-open request held a connection for up to 90 s).
 * See docs/messages-service.md, "HTTP timeouts".
 */
export const HTTP_TIMEOUTS = {
  /** A request head (request line and headers) must arrive within this after its first byte, or 408 and close. */
  headersMs: 10_000,
  /** A whole request (head and body) must arrive within this; bodies are small JSON. */
  requestMs: 30_000,
  /**
   * An idle keep-alive connection is closed after this. Above the 60 s idle timeout of common load balancers and
   * ingresses (AWS ALB, nginx's upstream keepalive), so the balancer closes an idle connection first and never sends
   * on one the service is closing.
   */
  keepAliveMs: 65_000,
  /** How often Node looks for requests past the two limits above: the bound on how late they are enforced. */
  checkIntervalMs: 1_000,
} as const;

/** The service's HTTP server with the timeouts above. */
export function createHttpServer(handler: http.RequestListener): http.Server {
  const server = http.createServer(
    { headersTimeout: HTTP_TIMEOUTS.headersMs, requestTimeout: HTTP_TIMEOUTS.requestMs, connectionsCheckingInterval: HTTP_TIMEOUTS.checkIntervalMs },
    handler,
  );
  server.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveMs;
  return server;
}

/** Listens on `port` (0: any free one) and `host`; resolves with the port bound, rejects if it cannot listen. */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, closes idle keep-alive connections at once, resolves when the requests in flight are answered. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
