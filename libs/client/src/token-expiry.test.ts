import { describe, expect, it } from 'vitest';
import { refreshDelayMs, tokenExpiry } from './token-expiry.js';

/** An unsigned JWT with these claims (the SDK never verifies; the signature part is filler). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', kid: 'k1' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('token expiry', () => {
  it('tokens - exp is read from the payload (base64url, any claims), in milliseconds', () => {
    // `name` makes base64url use `-` and `_`, which plain base64 decoding would get wrong.
    const token = jwt({ sub: 'alice', aud: 'app_1', exp: 1_900_000_000, iat: 1_899_999_000, name: 'Zoë ~~~>>>???' });
    expect(token).toMatch(/[-_]/);
    expect(tokenExpiry(token)).toBe(1_900_000_000_000);
  });

  it('tokens - a token without a readable numeric exp has no expiry (the server judges it)', () => {
    expect(tokenExpiry(jwt({ sub: 'alice' }))).toBeUndefined();
    expect(tokenExpiry(jwt({ sub: 'alice', exp: '1900000000' }))).toBeUndefined();
    expect(tokenExpiry('not-a-jwt')).toBeUndefined();
    expect(tokenExpiry('a.b')).toBeUndefined();
    expect(tokenExpiry('a.!!!.c')).toBeUndefined();
    expect(tokenExpiry(`a.${Buffer.from('[1,2]').toString('base64url')}.c`)).toBeUndefined();
    expect(tokenExpiry(`a.${Buffer.from('null').toString('base64url')}.c`)).toBeUndefined();
  });

  it('tokens - refreshed at 80 % of the remaining lifetime or 60 s before exp, whichever first, not before half', () => {
    const minutes = (n: number) => n * 60_000;
    expect(refreshDelayMs(minutes(60))).toBe(minutes(48)); // 80 % comes first
    expect(refreshDelayMs(minutes(24 * 60))).toBe(minutes(24 * 60 * 0.8));
    expect(refreshDelayMs(minutes(5))).toBe(minutes(4)); // both at once
    expect(refreshDelayMs(minutes(4))).toBe(minutes(3)); // 60 s before exp comes first
    expect(refreshDelayMs(150_000)).toBe(90_000);
    expect(refreshDelayMs(100_000)).toBe(50_000); // 60 s before would be 40 s: not before half
    expect(refreshDelayMs(10_000)).toBe(5_000); // a short token is not refreshed over and over
    expect(refreshDelayMs(0)).toBe(0);
    expect(refreshDelayMs(-5_000)).toBe(0);
    expect(refreshDelayMs(Number.NaN)).toBe(0);
  });
});
