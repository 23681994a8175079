import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

/** One request a receiver got, as it arrived. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Lower-case names (Node's). */
  readonly headers: http.IncomingHttpHeaders;
  /** The raw body, as sent (what a signature covers). */
  readonly body: string;
  readonly receivedAt: number;
}

/**
 * How the receiver answers a request: write to `response` (status, body; or never end it, destroy the socket, …).
 * The default answers `204`.
 */
export type ReceiverAnswer = (request: ReceivedRequest, response: http.ServerResponse) => void;

export interface WebhookReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/hook`: the URL to register (the service under test must allow insecure targets). */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** From now on, answer this way. */
  answer(answer: ReceiverAnswer): void;
  /** Resolves with the requests once at least `count` have arrived. */
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<readonly ReceivedRequest[]>;
  close(): Promise<void>;
}

export const answerWith = (status: number, body = ''): ReceiverAnswer => (_request, response) => {
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(body);
};

/**
 * A local HTTP endpoint on port 0 that records every request (method, path, headers, raw body) and answers as told:
 * the far side of a webhook delivery in tests. Disposing it closes it and every connection it holds.
 */
export async function startWebhookReceiver(options: { answer?: ReceiverAnswer; path?: string } = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let answer = options.answer ?? answerWith(204);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      requests.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/hook'}`,
    requests,
    answer: (next) => (answer = next),
    async waitForRequests(count, { timeoutMs = 15_000 } = {}) {
      await waitFor(() => requests.length >= count, { timeoutMs, message: `${count} webhook requests (got ${requests.length})` });
      return requests;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
