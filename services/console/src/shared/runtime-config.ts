/**
 * The console's run-time configuration: `config.json` beside `index.html`, read at start, so one build runs behind
 * any host. Both URLs default to the page's own origin, which is right behind the ingress (or compose's nginx),
 * where `/v1/socket.io` goes to the gateways and every other `/v1/…` to the messages service.
 */
export interface ConsoleConfig {
  /** The messages service's base URL (REST, `/v1/…`). */
  readonly apiUrl: string;
  /** The gateway's base URL (Socket.IO at `/v1/socket.io`). */
  readonly gatewayUrl: string;
}

interface RawConfig {
  readonly apiUrl?: unknown;
  readonly gatewayUrl?: unknown;
}

const absoluteUrl = (value: unknown, name: string, page: URL): string => {
  if (value === undefined || value === null || value === '') return page.origin;
  if (typeof value !== 'string' || !URL.canParse(value, page)) throw new Error(`config.json: ${name} must be a URL`);
  const url = new URL(value, page);
  return url.href.replace(/\/$/, '');
};

/** Reads `config.json` next to the page; a missing file means the defaults, a malformed one is an error shown to the user. */
export async function loadConsoleConfig(page: URL = new URL(window.location.href)): Promise<ConsoleConfig> {
  const response = await fetch(new URL('./config.json', page), { cache: 'no-store' });
  const raw: RawConfig = response.status === 404 ? {} : ((await response.json()) as RawConfig);
  if (!response.ok && response.status !== 404) throw new Error(`config.json: HTTP ${response.status}`);
  return Object.freeze({
    apiUrl: absoluteUrl(raw.apiUrl, 'apiUrl', page),
    gatewayUrl: absoluteUrl(raw.gatewayUrl, 'gatewayUrl', page),
  });
}
