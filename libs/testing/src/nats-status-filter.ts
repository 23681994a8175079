import net from 'node:net';

export interface NatsStatusFilter extends AsyncDisposable {
  readonly url: string;
  /** Status messages (`HMSG` whose header line is `NATS/1.0 <code> …`) dropped so far, by code. */
  readonly dropped: Map<number, number>;
  close(): Promise<void>;
}

const CRLF = Buffer.from('\r\n');

/**
 * A TCP proxy in front of a real nats-server that swallows the status messages whose code `drop` picks, on their
 * way to the client: what a server that forgets to answer looks like (NATS 2.9 now and then expires a pull request
 * without its 408). Everything else passes through byte for byte; the client→server direction is not parsed.
 */
export async function startNatsStatusFilter(upstreamPort: number, drop: (code: number) => boolean): Promise<NatsStatusFilter> {
  const dropped = new Map<number, number>();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1' });
    sockets.add(client).add(upstream);
    const forget = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);

    let pending: Buffer = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      let at = 0;
      for (;;) {
        const eol = pending.indexOf(CRLF, at);
        if (eol < 0) break;
        const line = pending.toString('latin1', at, eol);
        let end = eol + 2;
        let keep = true;
        if (line.startsWith('HMSG ') || line.startsWith('MSG ')) {
          const fields = line.trim().split(/\s+/);
          const total = Number(fields[fields.length - 1]);
          if (pending.length < end + total + 2) break; // the payload has not all arrived
          if (line.startsWith('HMSG ')) {
            const status = /^NATS\/1\.0 (\d{3})/.exec(pending.toString('latin1', end, Math.min(end + 16, end + total)));
            const code = status ? Number(status[1]) : undefined;
            if (code !== undefined && drop(code)) {
              keep = false;
              dropped.set(code, (dropped.get(code) ?? 0) + 1);
            }
          }
          end += total + 2;
        }
        if (keep) out.push(pending.subarray(at, end));
        at = end;
      }
      pending = pending.subarray(at);
      if (out.length > 0) client.write(Buffer.concat(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `nats://127.0.0.1:${port}`, dropped, close, [Symbol.asyncDispose]: close };
}
