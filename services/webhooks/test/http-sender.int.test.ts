import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WEBHOOKS } from '@switchboard/protocol';
import { createHttpSender } from '../src/delivery/http-sender.js';
import { createTargetGuard } from '../src/delivery/target-guard.js';
import { startReceiver, type Answer, type Receiver } from './support/receiver.js';

const insecure = createHttpSender({ guard: createTargetGuard(true), timeoutMs: WEBHOOKS.attemptTimeoutMs, maxBodyBytes: WEBHOOKS.responseBodyMaxBytes });
const strict = createHttpSender({ guard: createTargetGuard(false), timeoutMs: WEBHOOKS.attemptTimeoutMs, maxBodyBytes: WEBHOOKS.responseBodyMaxBytes });
const receivers: Receiver[] = [];
const servers: net.Server[] = [];
const send = (sender: typeof insecure, url: string) => sender.send({ url, headers: { 'webhook-id': 'evt_test' }, body: '{"id":"evt_test"}' });
const at = async (answer: Answer) => {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
};
/** A raw TCP server: `onSocket` writes what it likes (a trickled status line, a reset). */
const rawServer = async (onSocket: (socket: net.Socket) => void) => {
  const server = net.createServer(onSocket);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`;
};

afterAll(async () => {
  insecure.close();
  strict.close();
  for (const r of receivers) await r[Symbol.asyncDispose]();
  for (const s of servers) s.close();
});

describe('webhook sender against hostile receivers', () => {
  it('sender - 2xx is delivered; 3xx is not followed; 4xx and 5xx fail with a short last_error', async () => {
    const ok = await at((_q, res) => res.writeHead(202).end());
    let followed = 0;
    const target = await at((_q, res) => {
      followed++;
      res.writeHead(200).end();
    });
    const redirect = await at((_q, res) => res.writeHead(302, { location: target.url }).end());
    const notFound = await at((_q, res) => res.writeHead(404).end('no such hook'));
    const broken = await at((_q, res) => res.writeHead(503).end('x'.repeat(10_000)));
    expect(await send(insecure, ok.url)).toEqual({ ok: true, statusCode: 202, error: null });
    expect(await send(insecure, redirect.url)).toMatchObject({ ok: false, statusCode: 302, error: 'HTTP 302' });
    expect(followed).toBe(0);
    expect(await send(insecure, notFound.url)).toEqual({ ok: false, statusCode: 404, error: 'HTTP 404: no such hook' });
    const outcome = await send(insecure, broken.url);
    expect(outcome).toMatchObject({ ok: false, statusCode: 503 });
    expect(outcome.error!.length).toBeLessThanOrEqual(WEBHOOKS.lastErrorMaxChars);
  });

  it('sender - a reset connection fails the attempt at once', async () => {
    const url = await rawServer((socket) => socket.on('data', () => socket.resetAndDestroy()));
    const started = Date.now();
    const outcome = await send(insecure, url);
    expect(outcome).toMatchObject({ ok: false, statusCode: null });
    expect(outcome.error).toMatch(/ECONNRESET|socket hang up/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('sender - a 10 MB answer costs 4 KiB: read up to the limit, then the socket is cut', async () => {
    let written = 0;
    let closed = false;
    const url = await rawServer((socket) => {
      socket.on('data', () => {
        socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 10485760\r\n\r\n');
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (written < 10 * 1024 * 1024 && !socket.destroyed) {
            written += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
        };
        pump();
      });
      socket.on('error', () => {});
      socket.on('close', () => (closed = true));
    });
    const outcome = await send(insecure, url);
    expect(outcome).toMatchObject({ ok: false, statusCode: 500 });
    expect(outcome.error).toMatch(/^HTTP 500: a+…?$/);
    await expect.poll(() => closed).toBe(true);
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('sender - a receiver that hangs, or answers byte by byte, is cut off at 10 s', async () => {
    const hang = await at(() => {});
    const trickle = await rawServer((socket) => {
      socket.on('data', () => {
        const reply = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        let i = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || i >= reply.length) return clearInterval(timer);
          socket.write(reply.subarray(i, ++i));
        }, 500); // 42 bytes at 2 per second: 21 s
      });
      socket.on('error', () => {});
    });
    const started = Date.now();
    const [hung, trickled] = await Promise.all([send(insecure, hang.url), send(insecure, trickle)]);
    const took = Date.now() - started;
    expect(hung).toEqual({ ok: false, statusCode: null, error: 'no answer within 10 s' });
    expect(trickled).toEqual({ ok: false, statusCode: null, error: 'no answer within 10 s' });
    expect(took).toBeGreaterThanOrEqual(WEBHOOKS.attemptTimeoutMs - 50);
    expect(took).toBeLessThan(WEBHOOKS.attemptTimeoutMs + 2000);
  }, 20_000);
});

describe('webhook sender: targets (without WEBHOOKS_ALLOW_INSECURE)', () => {
  it.each([
    ['http://example.com/hook', 'scheme'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://10.0.0.8/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['https://100.64.1.1/hook', 'carrierGradeNat'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['https://[::ffff:a9fe:a9fe]/hook', 'linkLocal'],
    ['https://[fd00:ec2::254]/hook', 'uniqueLocal'],
    ['https://[fe80::1]/hook', 'linkLocal'],
    // A name is resolved when the request connects: localhost is loopback.
    ['https://localhost/hook', 'loopback'],
  ])('targets - %s is refused before connecting (%s)', async (url, reason) => {
    const outcome = await send(strict, url);
    expect(outcome).toMatchObject({ ok: false, statusCode: null, refused: reason });
    expect(outcome.error).toMatch(/^refused: /);
  });

  it('targets - with WEBHOOKS_ALLOW_INSECURE, http:// and loopback are allowed', async () => {
    const r = await at((_q, res) => res.writeHead(200).end());
    expect(await send(insecure, r.url)).toMatchObject({ ok: true });
    expect(await send(strict, r.url)).toMatchObject({ ok: false, refused: 'scheme' });
  });
});
