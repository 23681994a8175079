import http from 'node:http';
import https from 'node:https';
import { WEBHOOKS } from '@switchboard/protocol';
import { RefusedTargetError, type TargetGuard } from './target-guard.js';

/** One attempt's outcome, as recorded on the delivery. */
export interface AttemptOutcome {
  /** A 2xx answer within the timeout. */
  readonly ok: boolean;
  /** The answer's status code; `null` when none came (refused, timeout, reset). */
  readonly statusCode: number | null;
  /** A short reason for a failure (≤ `WEBHOOKS.lastErrorMaxChars`), `null` on success. */
  readonly error: string | null;
  /** Set when the send was refused before connecting (a metric label). */
  readonly refused?: string;
}

export interface HttpSender {
  send(request: { url: string; headers: Readonly<Record<string, string>>; body: string }): Promise<AttemptOutcome>;
  close(): void;
}

export interface HttpSenderOptions {
  readonly guard: TargetGuard;
  /** The whole attempt, connect to answer, is cut at this long (`WEBHOOKS.attemptTimeoutMs`). */
  readonly timeoutMs: number;
  /** Bytes of an answer's body read, for `last_error` (`WEBHOOKS.responseBodyMaxBytes`); the socket is then destroyed. */
  readonly maxBodyBytes: number;
}

/**
 * POSTs one delivery with Node's `http`/`https`: no redirects (a 3xx is a failed attempt, as any non-2xx), one
 * deadline for the whole attempt, at most `maxBodyBytes` of the answer read, then the socket destroyed (a receiver
 * that streams 10 MB or answers byte by byte costs 4 KiB and at most the timeout). Connections are kept alive
 * between attempts to the same host; each new one is checked by the guard.
 */
export function createHttpSender(options: HttpSenderOptions): HttpSender {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  return {
    send: (request) => attempt(request, options, agents),
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function attempt(
  request: { url: string; headers: Readonly<Record<string, string>>; body: string },
  options: HttpSenderOptions,
  agents: { 'http:': http.Agent; 'https:': https.Agent },
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fail = (error: unknown) => {
      clearTimeout(deadline);
      if (error instanceof RefusedTargetError) return finish({ ok: false, statusCode: null, error: shorten(error.message), refused: error.reason });
      const code = (error as NodeJS.ErrnoException).code;
      const message = error instanceof Error ? error.message : String(error);
      finish({ ok: false, statusCode: null, error: shorten(code && !message.includes(code) ? `${code}: ${message}` : message) });
    };
    let deadline: NodeJS.Timeout | undefined;

    let url: URL;
    try {
      url = new URL(request.url);
      options.guard.checkUrl(url);
    } catch (error) {
      fail(error);
      return;
    }
    const isHttps = url.protocol === 'https:';
    const body = Buffer.from(request.body);
    const req = (isHttps ? https : http).request(url, {
      method: 'POST',
      agent: isHttps ? agents['https:'] : agents['http:'],
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'Switchboard-Webhooks/1' },
      ...(options.guard.lookup ? { lookup: options.guard.lookup } : {}),
    });
    // The deadline covers the answer's body too: a receiver that trickles it is cut off when it passes.
    deadline = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);

    let answered = false;
    // After the answer came, an error (the deadline cutting a trickling body) is the response's to report.
    req.on('error', (error) => answered || fail(error));
    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      // A 2xx is the answer: delivered now, whatever the body does next (read and dropped, within the limits).
      if (ok) finish({ ok, statusCode: status, error: null });
      const chunks: Buffer[] = [];
      let read = 0;
      const done = () => {
        clearTimeout(deadline);
        // Keep nothing of the connection once we know enough: a receiver that sends more is cut off.
        if (!res.complete) res.destroy();
        finish({ ok, statusCode: status, error: ok ? null : shorten(`HTTP ${status}${describeBody(Buffer.concat(chunks))}`) });
      };
      res.on('data', (chunk: Buffer) => {
        if (read < options.maxBodyBytes) chunks.push(chunk.subarray(0, options.maxBodyBytes - read));
        read += chunk.length;
        if (read >= options.maxBodyBytes) done();
      });
      res.on('end', done);
      // A reset while the body streams: the status came, that is the answer.
      res.on('error', done);
      res.on('close', done);
    });
    req.end(body);
  });
}

const describeBody = (body: Buffer) => {
  const text = body.toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return text ? `: ${text}` : '';
};

export const shorten = (text: string) =>
  text.length <= WEBHOOKS.lastErrorMaxChars ? text : `${text.slice(0, WEBHOOKS.lastErrorMaxChars - 1)}…`;
