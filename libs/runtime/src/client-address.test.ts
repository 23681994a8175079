import { describe, expect, it } from 'vitest';
import { addressLimitKey, clientAddress, normaliseAddress } from './client-address.js';

describe('client address', () => {
  it('client address - without trusted hops the remote address, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.7', '198.51.100.1', 0)).toBe('203.0.113.7');
    expect(clientAddress('203.0.113.7', undefined, 0)).toBe('203.0.113.7');
  });

  it('client address - behind n trusted proxies, the n-th entry from the right', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1', 1)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '198.51.100.1, 10.0.0.9', 2)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '198.51.100.1, 10.0.0.9', 1)).toBe('10.0.0.9');
  });

  it('client address - spoofed entries on the left are ignored', () => {
    // The client sent "X-Forwarded-For: 1.2.3.4, 5.6.7.8"; the one trusted proxy appended the real address.
    expect(clientAddress('10.0.0.2', '1.2.3.4, 5.6.7.8, 198.51.100.1', 1)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', ['1.2.3.4', '198.51.100.1, 10.0.0.9'], 2)).toBe('198.51.100.1');
  });

  it('client address - fewer entries than hops: the leftmost (written by a trusted proxy); none: the remote address', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1', 3)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '', 1)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', ' , ', 1)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', undefined, 1)).toBe('10.0.0.2');
  });

  it('client address - an entry that is not an address falls back to the remote address', () => {
    expect(clientAddress('10.0.0.2', 'unknown', 1)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '198.51.100.1, <script>', 1)).toBe('10.0.0.2');
  });

  it('client address - normalised: IPv4-mapped IPv6 to IPv4, short IPv6, ports dropped', () => {
    expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    // uWS's getRemoteAddressAsText for an IPv4 client on a dual-stack socket.
    expect(normaliseAddress('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(normaliseAddress('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normaliseAddress('198.51.100.1:5555')).toBe('198.51.100.1');
    expect(normaliseAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(normaliseAddress('not-an-ip')).toBeUndefined();
    expect(clientAddress('::ffff:10.0.0.2', '[2001:db8::1]:443', 1)).toBe('2001:db8::1');
    expect(clientAddress('::ffff:10.0.0.2', undefined, 0)).toBe('10.0.0.2');
  });

  it('client address - an IPv6 address is limited by its /64, IPv4 by itself', () => {
    expect(addressLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('198.51.100.1')).toBe('198.51.100.1');
  });
});
