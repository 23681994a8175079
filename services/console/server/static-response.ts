import type { StaticAsset } from './static-site.js';

/** What a transport (node:http for `start:console`, uWS in `npm start`) needs from a request. */
export interface StaticRequest {
  readonly method: string;
  readonly acceptEncoding: string | undefined;
  readonly ifNoneMatch: string | undefined;
}

/** A complete answer for the transport to write. */
export interface StaticReply {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Empty for HEAD, 304 and 405. */
  readonly body: Buffer;
}

/** The pages' script, styles and data come from the console's own origin; the API and gateway may be elsewhere. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' http: https: ws: wss:",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Headers every response carries, and the pages' own: no `Referer` leaves them (the sign-in token sits in the
 * fragment, which browsers never send, but nothing else about the page should leak either); the agent console may
 * not be framed, the widget may (a site embeds it in an iframe).
 */
function securityHeaders(relativePath: string): Record<string, string> {
  const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff' };
  if (!relativePath.endsWith('.html')) return headers;
  const framing = relativePath === 'widget.html' ? '' : "; frame-ancestors 'none'";
  return { ...headers, 'Referrer-Policy': 'no-referrer', 'Content-Security-Policy': CONTENT_SECURITY_POLICY + framing };
}

const EMPTY = Buffer.alloc(0);

export function notFound(): StaticReply {
  const body = Buffer.from('{"error":{"code":"NOT_FOUND","message":"no such file"}}');
  return { status: 404, statusText: 'Not Found', headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }, body };
}

export function redirect(location: string): StaticReply {
  return { status: 301, statusText: 'Moved Permanently', headers: { Location: location, 'Cache-Control': 'no-cache' }, body: EMPTY };
}

/**
 * The answer for an asset (`relativePath` names it in the site, e.g. `index.html`): GET and HEAD only; 304 when the
 * client holds this version (`If-None-Match`); gzipped when worth it and accepted.
 */
export function staticReply(relativePath: string, asset: StaticAsset | undefined, request: StaticRequest): StaticReply {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, statusText: 'Method Not Allowed', headers: { Allow: 'GET, HEAD', 'Cache-Control': 'no-store' }, body: EMPTY };
  }
  if (!asset) return notFound();
  const headers: Record<string, string> = {
    'Content-Type': asset.contentType,
    'Cache-Control': asset.cacheControl,
    ETag: asset.etag,
    ...securityHeaders(relativePath),
  };
  if (asset.gzip) headers.Vary = 'Accept-Encoding';
  if (request.ifNoneMatch?.split(',').some((tag) => tag.trim() === asset.etag)) {
    return { status: 304, statusText: 'Not Modified', headers, body: EMPTY };
  }
  const gzip = asset.gzip && /\bgzip\b/.test(request.acceptEncoding ?? '');
  if (gzip) headers['Content-Encoding'] = 'gzip';
  const body = gzip ? asset.gzip! : asset.body;
  headers['Content-Length'] = String(body.length);
  return { status: 200, statusText: 'OK', headers, body: request.method === 'HEAD' ? EMPTY : body };
}

/**
 * The site path of a request path under `mount` (`/console/`): `/console/` and `/console/index.html` are
 * `index.html`, `/console/assets/x.js` is `assets/x.js`; `undefined` outside the mount or for a path that is not a
 * plain file name (`..`, `//`, a backslash, a bad escape): those are simply not found.
 */
export function sitePathOf(requestPath: string, mount: string): string | undefined {
  if (!requestPath.startsWith(mount)) return undefined;
  let rest: string;
  try {
    rest = decodeURIComponent(requestPath.slice(mount.length));
  } catch {
    return undefined;
  }
  if (rest === '') return 'index.html';
  const segments = rest.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\\'))) return undefined;
  return rest;
}
