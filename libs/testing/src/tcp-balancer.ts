import net from 'node:net';

export interface TcpBalancer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Connections accepted per backend port. */
  readonly accepted: Map<number, number>;
  /** Drops every connection and refuses new ones, like a network outage, until `unblock()`. */
  block(): void;
  unblock(): void;
  /**
   * Stalls traffic without closing anything, like a server that stopped answering: bytes from clients stay
   * unread (on open connections and on new ones, which wait unconnected) until `release()` forwards them.
   */
  hold(): void;
  release(): void;
  /**
   * Black-holes every open connection, both ways, without closing it (a dead link: no data, no FIN, no RST);
   * new connections pass. Returns how many it cut off.
   */
  blackhole(): number;
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
  /** Client → upstream, per connected client: the direction `hold()` stops. */
  const pairs = new Map<net.Socket, net.Socket>();
  let held = false;
  const waiting: net.Socket[] = [];
  const forward = (client: net.Socket, upstream: net.Socket) => {
    client.pipe(upstream);
    client.resume();
  };
  const connectTo = (client: net.Socket, attempt: number) => {
    if (attempt >= backendPorts.length) return client.destroy();
    const port = backendPorts[next++ % backendPorts.length]!;
    const upstream = net.connect({ port, host: '127.0.0.1' });
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      accepted.set(port, (accepted.get(port) ?? 0) + 1);
      upstream.pipe(client);
      pairs.set(client, upstream);
      if (!held) forward(client, upstream);
    });
    upstream.once('error', () => {
      if (!connected) connectTo(client, attempt + 1);
      else client.destroy();
    });
    upstream.once('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.once('close', () => {
      pairs.delete(client);
      upstream.destroy();
    });
  };
  let blocked = false;
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (blocked) return client.destroy();
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (held) waiting.push(client);
    else connectTo(client, 0);
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
    hold() {
      if (held) return;
      held = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    blackhole() {
      const cut = pairs.size;
      for (const [client, upstream] of pairs) {
        pairs.delete(client);
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      return cut;
    },
    release() {
      if (!held) return;
      held = false;
      for (const [client, upstream] of pairs) forward(client, upstream);
      for (const client of waiting.splice(0)) if (!client.destroyed) connectTo(client, 0);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
