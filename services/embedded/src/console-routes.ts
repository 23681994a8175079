import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { consoleConfigText, generatedAsset, redirect, sitePathOf, staticReply, type StaticReply, type StaticSite } from '@switchboard/console/server';

/** Where `npm start` serves the console: on the gateway's port, beside `/v1/socket.io`. */
export const CONSOLE_PATH = '/console/';

export interface ConsoleRoutesOptions {
  /** The built console (`services/console/dist`). */
  readonly site: StaticSite;
  /** The messages service's port in this process: the console's `apiUrl`. */
  readonly messagesPort: number;
}

function write(res: HttpResponse, reply: StaticReply): void {
  // uWS: the whole response in one cork.
  res.cork(() => {
    res.writeStatus(`${reply.status} ${reply.statusText}`);
    const { 'Content-Length': length, ...headers } = reply.headers;
    for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
    // uWS writes Content-Length itself; a HEAD answer reports the length of the body it leaves out.
    if (reply.body.length === 0 && length !== undefined) res.endWithoutBody(Number(length));
    else res.end(reply.body);
  });
}

/**
 * The host the browser used (so a console opened as `http://192.168.1.5:3000/console/` calls the API at
 * `http://192.168.1.5:3001`), without its port; `localhost` for a Host header that is missing or not a host.
 */
function hostnameOf(hostHeader: string): string {
  if (!hostHeader || !URL.canParse(`http://${hostHeader}`)) return 'localhost';
  return new URL(`http://${hostHeader}`).hostname;
}

/**
 * Serves the built console at `/console/` on the gateway's uWS app (`npm start` holds one uWS app: STYLE.md), read
 * from memory. `config.json` names the messages service on the browser's host and this process's messages port;
 * the gateway is the page's own origin, so it is left out. Registered before the gateway adds its catch-all 404.
 */
export function registerConsoleRoutes(app: TemplatedApp, options: ConsoleRoutesOptions): void {
  const { site, messagesPort } = options;
  const requestOf = (req: HttpRequest) => ({
    method: req.getCaseSensitiveMethod(),
    acceptEncoding: req.getHeader('accept-encoding') || undefined,
    ifNoneMatch: req.getHeader('if-none-match') || undefined,
  });
  const configJson = (req: HttpRequest) => {
    // `URL.hostname` keeps an IPv6 address's brackets.
    const apiUrl = `http://${hostnameOf(req.getHeader('host'))}:${messagesPort}`;
    return generatedAsset('config.json', consoleConfigText({ apiUrl }));
  };
  // The pages load their assets relative to themselves: `/console` must become `/console/`.
  app.any('/console', (res) => write(res, redirect(CONSOLE_PATH)));
  app.any('/console/*', (res, req) => {
    const sitePath = sitePathOf(req.getUrl(), CONSOLE_PATH);
    const asset = sitePath === 'config.json' ? configJson(req) : sitePath === undefined ? undefined : site.get(sitePath);
    write(res, staticReply(sitePath ?? '', asset, requestOf(req)));
  });
}
