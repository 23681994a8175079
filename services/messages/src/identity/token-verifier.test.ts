import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createCounter, createMetricsRegistry } from '@switchboard/metrics';
import { IDENTITY } from '@switchboard/protocol';
import type { AppAuth } from './app-auth-cache.js';
import { createTokenVerifier } from './token-verifier.js';

const secret = new TextEncoder().encode('s'.repeat(43));
const app: AppAuth = {
  id: 'app_1',
  identity: 'optional',
  apiKey: { current: '', previous: null, previousValidUntil: null },
  adminToken: { current: '', previous: null, previousValidUntil: null },
  keys: new Map([['k1', { kid: 'k1', alg: 'HS256', key: secret }]]),
  loadedAt: 0,
};
/** A fixed clock: the boundaries below are exact, whatever the machine's speed. */
const NOW = 1_800_000_000;

function verifier() {
  const refusals = createCounter(createMetricsRegistry({ collectDefaults: false }), 'refusals_total', 'test', ['reason']);
  const verify = createTokenVerifier({ apps: { get: async (id) => (id === app.id ? app : null) }, refusals, now: () => NOW * 1000 });
  return { verify: (token: string) => verify.verify(token, { kind: 'user', appId: app.id }), refusals };
}

const token = (claims: { iat: number; exp: number }) =>
  new SignJWT({ sub: 'alice', aud: app.id, ...claims }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);

describe('token verifier', () => {
  it('token verifier - exp has exactly IDENTITY.leewaySeconds of leeway; past it the token is TOKEN_EXPIRED', async () => {
    const { verify } = verifier();
    const leeway = IDENTITY.leewaySeconds;
    await expect(verify(await token({ iat: NOW - 600, exp: NOW - leeway + 1 }))).resolves.toMatchObject({ sub: 'alice', exp: NOW - leeway + 1 });
    await expect(verify(await token({ iat: NOW - 600, exp: NOW - leeway }))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('token verifier - a lifetime (exp − iat) of exactly 24 h is accepted, one second more is refused', async () => {
    const { verify, refusals } = verifier();
    const max = IDENTITY.maxLifetimeSeconds;
    await expect(verify(await token({ iat: NOW, exp: NOW + max }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(verify(await token({ iat: NOW, exp: NOW + max + 1 }))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await refusals.get()).values.find((v) => v.labels.reason === 'lifetime')?.value).toBe(1);
  });

  it('token verifier - an iat within the leeway in the future is accepted, beyond it refused', async () => {
    const { verify } = verifier();
    const leeway = IDENTITY.leewaySeconds;
    await expect(verify(await token({ iat: NOW + leeway, exp: NOW + 600 }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(verify(await token({ iat: NOW + leeway + 1, exp: NOW + 600 }))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
