import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@switchboard/logger';
import { consoleConfigText } from './console-config.js';
import type { ConsoleServerConfig } from './config.js';
import { notFound, redirect, sitePathOf, staticReply, type StaticReply } from './static-response.js';
import { generatedAsset, type StaticSite } from './static-site.js';

export type ConsoleServerOptions = Pick<ConsoleServerConfig, 'CONSOLE_PORT' | 'CONSOLE_HOST' | 'CONSOLE_API_URL' | 'CONSOLE_GATEWAY_URL'>;

export interface ConsoleServerDeps {
  /** The built console, loaded by the caller (`loadStaticSite(CONSOLE_DIST_DIR)`). */
  readonly site: StaticSite;
  readonly logger: Logger;
}

export interface ConsoleServer extends AsyncDisposable {
  readonly port: number;
  close(): Promise<void>;
}

/** The console under both `/console/` (the path `npm start` and the ingress use) and `/` (a host of its own). */
const MOUNTS = ['/console/', '/'] as const;
const PROBE_BODY = Buffer.from('{"status":"ok"}');

function write(res: ServerResponse, reply: StaticReply): void {
  res.writeHead(reply.status, reply.statusText, reply.headers);
  res.end(reply.body);
}

/**
 * Serves the built console from memory: the two pages, their assets, and `config.json` (made from
 * `CONSOLE_API_URL` / `CONSOLE_GATEWAY_URL` when either is set, else the build's file). `/healthz` and `/readyz`
 * answer 200 while it runs (it depends on nothing). Nothing but GET and HEAD.
 */
export async function startConsoleServer(options: ConsoleServerOptions, deps: ConsoleServerDeps): Promise<ConsoleServer> {
  const { site, logger } = deps;
  const fromEnvironment = options.CONSOLE_API_URL !== undefined || options.CONSOLE_GATEWAY_URL !== undefined;
  const configAsset = fromEnvironment
    ? generatedAsset('config.json', consoleConfigText({ apiUrl: options.CONSOLE_API_URL, gatewayUrl: options.CONSOLE_GATEWAY_URL }))
    : site.get('config.json');
  const assetAt = (sitePath: string) => (sitePath === 'config.json' ? configAsset : site.get(sitePath));

  const handle = (req: IncomingMessage, path: string): StaticReply => {
    if (path === '/healthz' || path === '/readyz') {
      return { status: 200, statusText: 'OK', headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: PROBE_BODY };
    }
    // The pages load their assets relative to themselves: `/console` must become `/console/`.
    if (path === '/console') return redirect('/console/');
    const request = { method: req.method ?? 'GET', acceptEncoding: req.headers['accept-encoding'], ifNoneMatch: req.headers['if-none-match'] };
    for (const mount of MOUNTS) {
      const sitePath = sitePathOf(path, mount);
      if (sitePath !== undefined) return staticReply(sitePath, assetAt(sitePath), request);
    }
    return notFound();
  };

  const server = createServer((req, res) => {
    // The query is never logged: the widget's carries the app's API key.
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const reply = handle(req, path);
    logger.debug({ method: req.method, path, status: reply.status }, 'request');
    write(res, reply);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.CONSOLE_PORT, options.CONSOLE_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, files: site.size, config: fromEnvironment ? 'environment' : 'file' }, 'console listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }));
  return { port, close, [Symbol.asyncDispose]: close };
}
