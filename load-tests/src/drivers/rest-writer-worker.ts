/**
 * One REST writer process: posts messages to the messages service over keep-alive connections, either as fast as
 * `concurrency` allows or at a paced rate, for a bounded time, and reports the answers and their latencies.
 * Driven over IPC by rest-writers.ts.
 */
import http from 'node:http';
import { sleep } from '@switchboard/runtime';
import { createHistogram } from '../measure/histogram.js';
import type { RestWriterResult, ToRestWriter } from './rest-writer-messages.js';

async function run(message: Extract<ToRestWriter, { type: 'run' }>): Promise<RestWriterResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: message.concurrency });
  const base = new URL(message.url);
  const latency = createHistogram();
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let failed = 0;
  let sent = 0;
  let inFlight = 0;
  let cursor = 0;
  const started = Date.now();
  const deadline = started + message.seconds * 1000;

  const postOne = () =>
    new Promise<void>((resolve) => {
      const target = message.targets[cursor++ % message.targets.length]!;
      const now = Date.now();
      const body = JSON.stringify({ body: `${now} ${message.tag} ${message.worker}-${sent}`, local_id: `${message.tag}-${message.worker}-${sent}` });
      sent++;
      inFlight++;
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: `/v1/conversations/${target.conversationId}/messages`,
          headers: { ...target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            inFlight--;
            latency.record(Date.now() - now);
            statuses[res.statusCode!] = (statuses[res.statusCode!] ?? 0) + 1;
            if (res.statusCode === 201) accepted++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        inFlight--;
        failed++;
        statuses[error.code ?? 'error'] = (statuses[error.code ?? 'error'] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });

  if (message.rate === undefined) {
    const lane = async () => {
      while (Date.now() < deadline) await postOne();
    };
    await Promise.all(Array.from({ length: message.concurrency }, lane));
  } else {
    const total = Math.round(message.rate * message.seconds);
    const pending = new Set<Promise<void>>();
    while (sent < total && Date.now() < deadline + 1000) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * message.rate));
      while (sent < due && inFlight < message.concurrency) {
        const p = postOne();
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      await sleep(2);
    }
    await Promise.all(pending);
  }
  agent.destroy();
  return { accepted, failed, sent, statuses, latency: latency.toJSON(), seconds: (Date.now() - started) / 1000 };
}

process.on('message', (message: ToRestWriter) => {
  if (message.type !== 'run') return;
  run(message).then(
    (result) => process.send?.({ type: 'result', result }),
    (error: unknown) => {
      process.stderr.write(`rest writer: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
