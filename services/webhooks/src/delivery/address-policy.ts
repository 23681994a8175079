import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach (CONTRACT.md, "Webhooks", targets): only public unicast ones. Everything
 * `ipaddr.js` names a special range is refused (loopback, private, link-local and so the metadata address
 * 169.254.169.254, CGNAT, unspecified, unique-local and so fd00:ec2::254, multicast, reserved, NAT64 …), after an
 * IPv6 address that carries an IPv4 one (`::ffff:10.0.0.1`, the deprecated `::10.0.0.1`) is judged as that IPv4
 * address.
 *
 * Returns `undefined` for an allowed address, else the name of the range that refuses it (a metric label).
 */
export function refusedAddressRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (isIPv4Compatible(v6)) parsed = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

/** `::a.b.c.d` (RFC 4291's deprecated IPv4-compatible form): 96 zero bits, then an IPv4 address other than 0 and 1. */
function isIPv4Compatible(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  if (parts.slice(0, 6).some((part) => part !== 0)) return false;
  return parts[6] !== 0 || parts[7]! > 1;
}
