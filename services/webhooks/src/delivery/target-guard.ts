import dns from 'node:dns';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { refusedAddressRange } from './address-policy.js';

/** A send refused before connecting: the scheme or the address the host resolved to. */
export class RefusedTargetError extends Error {
  constructor(
    /** A metric label: `scheme`, or the address range (`loopback`, `private`, `linkLocal` …). */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedTargetError';
  }
}

/**
 * What may be sent to, checked at send time (CONTRACT.md, "Webhooks", targets): `https:` only, and an address
 * allowed by `refusedAddressRange`, unless `WEBHOOKS_ALLOW_INSECURE`. A host name is resolved when the request
 * connects, through `lookup` (so a name that moved to a private address since the endpoint was registered is
 * refused, and the address checked is the one connected to); an IP literal never reaches `lookup` (Node connects to
 * it directly), so `checkUrl` judges it.
 */
export interface TargetGuard {
  /** Throws `RefusedTargetError` for a scheme or an IP literal that is not allowed. */
  checkUrl(url: URL): void;
  /** The `lookup` of the request: resolves, keeps the allowed addresses, fails when none is left. */
  readonly lookup: LookupFunction | undefined;
}

export function createTargetGuard(allowInsecure: boolean): TargetGuard {
  if (allowInsecure) return { checkUrl: () => {}, lookup: undefined };
  return {
    checkUrl(url) {
      if (url.protocol !== 'https:') throw new RefusedTargetError('scheme', `refused: ${url.protocol} (https only)`);
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (net.isIP(host)) refuseIfSpecial(host);
    },
    lookup: safeLookup,
  };
}

function refuseIfSpecial(address: string): void {
  const range = refusedAddressRange(address);
  if (range) throw new RefusedTargetError(range, `refused: ${address} is a ${range} address`);
}

/**
 * `dns.lookup` with every answer checked. Node calls it with `all: true` when it tries several addresses
 * (`autoSelectFamily`, on by default in Node 20) and expects the list; otherwise with one address.
 */
const safeLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as dns.LookupAddress[];
    const allowed = list.filter((a) => refusedAddressRange(a.address) === undefined);
    if (allowed.length === 0) {
      const first = list[0];
      const refusal = first
        ? new RefusedTargetError(refusedAddressRange(first.address)!, `refused: ${hostname} resolves to ${first.address}, a ${refusedAddressRange(first.address)} address`)
        : new RefusedTargetError('invalid', `refused: ${hostname} resolves to no address`);
      return callback(refusal as NodeJS.ErrnoException, '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
    callback(null, allowed[0]!.address, allowed[0]!.family);
  });
};
