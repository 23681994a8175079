import ipaddr from 'ipaddr.js';

/**
 * The address a request came from, the one rule both services apply (CONTRACT.md, "Connection and authentication
 * limits"): with `trustedProxyHops` = 0 the socket's remote address; behind n trusted proxies, each of which
 * appends the address it received the request from to `X-Forwarded-For`, the n-th entry from the right. Entries
 * further left were written by the client and are never believed (a client can prepend anything). With fewer
 * entries than hops (the request skipped an outer proxy), the leftmost one, still written by a proxy we trust.
 *
 * Addresses are normalised: IPv4-mapped IPv6 (`::ffff:10.0.0.1`, uWS's `0000:…:ffff:0a00:0001`) becomes IPv4,
 * IPv6 is written in its short form, a port some proxies append (`10.0.0.1:5555`, `[2001:db8::1]:443`) is dropped.
 * An entry that is not an address falls back to the socket's remote address.
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | readonly string[] | undefined, trustedProxyHops: number): string {
  const remote = normaliseAddress(remoteAddress ?? '') ?? 'unknown';
  if (trustedProxyHops <= 0 || forwardedFor === undefined) return remote;
  const entries = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(','))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) return remote;
  const entry = entries[Math.max(0, entries.length - trustedProxyHops)]!;
  return normaliseAddress(entry) ?? remote;
}

/** An address in one canonical text form, or `undefined` when `text` is not an IP address (with an optional port). */
export function normaliseAddress(text: string): string | undefined {
  const candidate = stripPort(text.trim());
  if (!ipaddr.isValid(candidate)) return undefined;
  return ipaddr.process(candidate).toString();
}

function stripPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4WithPort ? v4WithPort[1]! : text;
}

/**
 * The key an address is limited under: an IPv4 address itself, an IPv6 address's /64 network (one host usually
 * holds a whole /64, and would otherwise get 2^64 budgets).
 */
export function addressLimitKey(address: string): string {
  if (!ipaddr.IPv6.isValid(address)) return address;
  const parts = ipaddr.IPv6.parse(address).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
