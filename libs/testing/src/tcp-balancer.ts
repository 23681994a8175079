import net from 'node:net';

export interface TcpBalancer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Connections accepted per backend port. */
  readonly accepted: Map<number, number>;
  /** Drops every connection and refuses new ones, like a network outage, until `unblock()`. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/**
 * A tiny round-robin TCP load balancer on a free port, standing in for an ingress: a connection goes to the next
 * backend that accepts it, so a client whose node drains or dies reconnects "elsewhere" through one URL.
 * `options.port`: listen there (a port a service was told about before anything listened on it); default a free one.
 */
export async function startTcpBalancer(backendPorts: readonly number[], options: { port?: number } = {}): Promise<TcpBalancer> {
  let next = 0;
  const accepted = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const connectTo = (client: net.Socket, attempt: number) => {
    if (attempt >= backendPorts.length) return client.destroy();
    const port = backendPorts[next++ % backendPorts.length]!;
    const upstream = net.connect({ port, host: '127.0.0.1' });
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      accepted.set(port, (accepted.get(port) ?? 0) + 1);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      if (!connected) connectTo(client, attempt + 1);
      else client.destroy();
    });
    upstream.once('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.once('close', () => upstream.destroy());
  };
  let blocked = false;
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (blocked) return client.destroy();
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    connectTo(client, 0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    accepted,
    block() {
      blocked = true;
      for (const socket of sockets) socket.destroy();
    },
    unblock() {
      blocked = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
