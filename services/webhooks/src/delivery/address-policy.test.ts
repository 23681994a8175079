import { describe, expect, it } from 'vitest';
import { refusedAddressRange } from './address-policy.js';
import { nextRetryDelayMs } from './retry-schedule.js';

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::10.0.0.1', 'private'],
    ['::a9fe:a9fe', 'linkLocal'],
    ['64:ff9b::10.0.0.1', 'rfc6052'],
    ['not an address', 'invalid'],
  ])('address policy - %s is refused (%s)', (address, range) => {
    expect(refusedAddressRange(address)).toBe(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::8.8.8.8'])('address policy - %s is allowed', (address) => {
    expect(refusedAddressRange(address)).toBeUndefined();
  });
});

describe('retry schedule', () => {
  it('retry schedule - n delays mean n + 1 attempts, each delay within ± 20 %', () => {
    const schedule = [1000, 60_000];
    expect(nextRetryDelayMs(schedule, 1, () => 0)).toBe(800);
    expect(nextRetryDelayMs(schedule, 1, () => 1)).toBe(1200);
    expect(nextRetryDelayMs(schedule, 2, () => 0.5)).toBe(60_000);
    expect(nextRetryDelayMs(schedule, 3)).toBeUndefined();
    expect(nextRetryDelayMs([], 1)).toBeUndefined();
  });
});
