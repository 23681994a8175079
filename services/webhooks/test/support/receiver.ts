import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** How the receiver answers request number `n` (0-based); it may also leave `res` unanswered (a hang). */
export type Answer = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

export interface Receiver extends AsyncDisposable {
  readonly url: string;
  readonly received: ReceivedRequest[];
  answer: Answer;
}

export const answerOk: Answer = (_req, res) => res.writeHead(200).end('ok');

/** A local HTTP server that records each request (headers, body) before answering it as `answer` says. */
export async function startReceiver(answer: Answer = answerOk): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const receiver: Receiver = {
    url: '',
    received,
    answer,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      receiver.answer(req, res, n);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
