/**
 * The ceiling for the REST write path on this machine: a bare Node HTTP server that takes the same POST the
 * messages service takes (keep-alive, JSON body parsed) and answers `201` with a `Message`-sized JSON body, with
 * no framework, no database and no broker. `npm run load -- e2e` drives it with the same writers after the
 * messages service, so the service's throughput reads as a share of what one Node process can answer at all.
 * Environment: `BARE_PORT`; `GET /readyz` answers 200.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportListening } from '@switchboard/runtime';

const port = Number(process.env.BARE_PORT);
let seq = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(req.url === '/readyz' ? 200 : 404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString()) as { body: string; local_id: string };
    seq++;
    const body = JSON.stringify({
      id: `msg_0000000000007000800000000000${String(seq).padStart(4, '0').slice(-4)}`,
      local_id: input.local_id,
      conversation_id: req.url?.split('/')[3] ?? '',
      seq,
      body: input.body,
      sender: 'user',
      created_at: new Date().toISOString(),
      status: 'sent',
    });
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => reportListening('BARE_PORT', (server.address() as AddressInfo).port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
