import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_PATHS, type CreatedApp } from '@switchboard/protocol';
import { addIdentityKey, esKeyPair, mintToken, nowSeconds, rawToken, type IdentityKey } from '@switchboard/testing';
import { deviceHeaders, OPERATOR_TOKEN, request, startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;
let other: CreatedApp;
let hs: IdentityKey;
let es: IdentityKey;
let otherKey: IdentityKey;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('tokens');
  other = await h.createApp('tokens-other');
  hs = await addIdentityKey(h, app.id);
  es = await addIdentityKey(h, app.id, 'ES256');
  otherKey = await addIdentityKey(h, other.id);
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

const userHeaders = (token: string, deviceId = 'device-1') => ({ ...deviceHeaders(app, deviceId), 'X-User-Token': token });

interface Row {
  readonly name: string;
  readonly token: () => Promise<string>;
  readonly code: 'INVALID_CREDENTIALS' | 'TOKEN_EXPIRED';
  readonly reason: string;
  /** Too long for an HTTP header (Node refuses heads over 16 KiB with 431): tried on the internal API only. */
  readonly headerTooLarge?: boolean;
}

const now = nowSeconds;
/** The refused user tokens of issue 14's "Bad input and faults", each with its code and the reason it is counted under. */
const rows: Row[] = [
  {
    name: 'bad signature',
    token: async () => mintToken({ ...hs, signingKey: new TextEncoder().encode('not-the-secret-not-the-secret-000') }, 'alice'),
    code: 'INVALID_CREDENTIALS',
    reason: 'bad_signature',
  },
  { name: 'unknown kid', token: () => mintToken(hs, 'alice', { header: { kid: 'key_unknown' } }), code: 'INVALID_CREDENTIALS', reason: 'unknown_kid' },
  {
    name: 'alg none',
    token: async () => rawToken({ alg: 'none', kid: hs.kid }, { sub: 'alice', aud: app.id, iat: now(), exp: now() + 600 }),
    code: 'INVALID_CREDENTIALS',
    reason: 'alg_mismatch',
  },
  {
    // The classic confusion: an HMAC keyed with the public key's text, under the ES256 key's kid.
    name: 'HS256 token for an ES256 key',
    token: async () => {
      const unsigned = rawToken({ alg: 'HS256', kid: es.kid }, { sub: 'alice', aud: app.id, iat: now(), exp: now() + 600 }).slice(0, -1);
      const signature = createHmac('sha256', JSON.stringify(es.publicJwk)).update(unsigned).digest('base64url');
      return `${unsigned}.${signature}`;
    },
    code: 'INVALID_CREDENTIALS',
    reason: 'alg_mismatch',
  },
  {
    name: 'ES256 token for an HS256 key',
    token: async () => mintToken({ ...hs, alg: 'ES256', signingKey: (await esKeyPair()).privateKey }, 'alice'),
    code: 'INVALID_CREDENTIALS',
    reason: 'alg_mismatch',
  },
  { name: 'wrong aud', token: () => mintToken(hs, 'alice', { claims: { aud: other.id } }), code: 'INVALID_CREDENTIALS', reason: 'wrong_audience' },
  {
    name: 'expired beyond the leeway',
    token: () => mintToken(hs, 'alice', { claims: { iat: now() - 3600, exp: now() - 45 } }),
    code: 'TOKEN_EXPIRED',
    reason: 'expired',
  },
  { name: 'exp missing', token: () => mintToken(hs, 'alice', { claims: { exp: undefined } }), code: 'INVALID_CREDENTIALS', reason: 'missing_claim' },
  { name: 'iat missing', token: () => mintToken(hs, 'alice', { claims: { iat: undefined } }), code: 'INVALID_CREDENTIALS', reason: 'missing_claim' },
  {
    name: 'lifetime over 24 h',
    token: () => mintToken(hs, 'alice', { claims: { iat: now(), exp: now() + 24 * 3600 + 60 } }),
    code: 'INVALID_CREDENTIALS',
    reason: 'lifetime',
  },
  {
    name: 'iat in the future (would stretch the lifetime)',
    token: () => mintToken(hs, 'alice', { claims: { iat: now() + 3600, exp: now() + 7200 } }),
    code: 'INVALID_CREDENTIALS',
    reason: 'not_yet_valid',
  },
  { name: 'sub empty', token: () => mintToken(hs, ''), code: 'INVALID_CREDENTIALS', reason: 'bad_subject' },
  { name: 'sub missing', token: () => mintToken(hs, undefined), code: 'INVALID_CREDENTIALS', reason: 'missing_claim' },
  { name: 'sub too long', token: () => mintToken(hs, 'a'.repeat(129)), code: 'INVALID_CREDENTIALS', reason: 'bad_subject' },
  { name: 'sub with bad characters', token: () => mintToken(es, 'alice smith/1'), code: 'INVALID_CREDENTIALS', reason: 'bad_subject' },
  { name: 'a user token claiming the agent role', token: () => mintToken(hs, 'alice', { claims: { role: 'agent' } }), code: 'INVALID_CREDENTIALS', reason: 'role' },
  { name: 'garbage', token: async () => 'not a token at all', code: 'INVALID_CREDENTIALS', reason: 'malformed' },
  { name: 'empty', token: async () => '', code: 'INVALID_CREDENTIALS', reason: 'malformed' },
  { name: '9 KB token', token: () => mintToken(hs, 'alice', { claims: { pad: 'x'.repeat(9000) } }), code: 'INVALID_CREDENTIALS', reason: 'too_long' },
  {
    name: '20 KB token',
    token: () => mintToken(hs, 'alice', { claims: { pad: 'x'.repeat(20_000) } }),
    code: 'INVALID_CREDENTIALS',
    reason: 'too_long',
    headerTooLarge: true,
  },
  { name: "another app's token", token: () => mintToken(otherKey, 'alice'), code: 'INVALID_CREDENTIALS', reason: 'unknown_kid' },
];

/** The token refusals counted so far by the service at `url`, by reason. */
async function tokenRefusals(url: string): Promise<Record<string, number>> {
  const text = (await request<string>(url, 'GET', '/metrics')).body;
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^switchboard_messages_token_refusals_total\{([^}]*)\} (\S+)$/gm)) {
    const reason = /reason="([^"]+)"/.exec(match[1]!)?.[1];
    if (reason) counts[reason] = Number(match[2]);
  }
  return counts;
}

/** Runs `attempt` and checks that exactly one refusal was counted, under `reason`. */
async function expectCounted(reason: string, attempt: () => Promise<void>) {
  const before = await tokenRefusals(h.url);
  await attempt();
  const after = await tokenRefusals(h.url);
  const delta = Object.fromEntries(Object.keys(after).map((r) => [r, after[r]! - (before[r] ?? 0)]).filter(([, d]) => d !== 0));
  expect(delta).toEqual({ [reason]: 1 });
}

describe('token verification - refused user tokens', () => {
  it('tokens - every refusal reason starts at 0 in /metrics', async () => {
    const fresh = await h.startReplica();
    const counts = await tokenRefusals(fresh.url);
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(10);
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    await fresh.close();
  });

  for (const row of rows) {
    it(`tokens - REST: ${row.name} → 401 ${row.code}, nothing written, counted as ${row.reason}`, async () => {
      const token = await row.token();
      const conversations = await h.count('conversations');
      if (row.headerTooLarge) {
        // Node refuses a request head over 16 KiB before any of the service's code reads it.
        const response = await request(h.url, 'POST', '/v1/conversations', { headers: userHeaders(token) }).catch(() => ({ status: 431 }));
        expect(response.status).toBe(431);
      } else {
        await expectCounted(row.reason, async () => {
          const response = await request(h.url, 'POST', '/v1/conversations', { headers: userHeaders(token) });
          expect(response.status).toBe(401);
          expect(response.body.error.code).toBe(row.code);
          // Never says which part failed.
          expect(response.body.error.message).not.toMatch(/kid|alg|aud|signature|sub|iat/i);
        });
      }
      expect(await h.count('conversations')).toBe(conversations);
    });

    it(`tokens - internal client auth: ${row.name} → 401 ${row.code}, counted as ${row.reason}`, async () => {
      const token = await row.token();
      await expectCounted(row.reason, async () => {
        const response = await request(h.url, 'POST', INTERNAL_PATHS.authClient, {
          body: { app_id: app.id, device_id: 'device-1', api_key: app.api_key, user_token: token },
        });
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe(row.code);
      });
    });
  }

  it('tokens - a refused token is never ignored in favour of anonymous access, even with the policy optional', async () => {
    const token = await mintToken(hs, 'alice', { claims: { aud: other.id } });
    const before = await h.count('messages');
    const c = (await h.device(app, 'device-1').post('/v1/conversations')).body;
    const send = await request(h.url, 'POST', `/v1/conversations/${c.id}/messages`, { headers: userHeaders(token), body: { body: 'hi', local_id: 'l1' } });
    expect(send.status).toBe(401);
    const list = await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(token) });
    expect(list.status).toBe(401);
    expect(await h.count('messages')).toBe(before);
  });

  it('tokens - a wrong api key is refused before the token is read (nothing counted)', async () => {
    const token = await mintToken(hs, 'alice');
    const before = await tokenRefusals(h.url);
    const response = await request(h.url, 'GET', '/v1/conversations', { headers: { ...userHeaders(token), 'X-Api-Key': other.api_key } });
    expect(response.status).toBe(401);
    expect(await tokenRefusals(h.url)).toEqual(before);
  });
});

describe('token verification - accepted tokens', () => {
  it('tokens - HS256 and ES256 user tokens act as the user; 20 s past exp is within the leeway', async () => {
    for (const [key, sub] of [[hs, 'hs-user'], [es, 'es-user@example.com']] as const) {
      const response = await request(h.url, 'POST', '/v1/conversations', { headers: userHeaders(await mintToken(key, sub)) });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ app_id: app.id, device_id: 'device-1', user_id: sub });
    }
    const late = await mintToken(hs, 'late-user', { claims: { iat: now() - 600, exp: now() - 20 } });
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(late) })).status).toBe(200);
  });

  it('tokens - an array aud naming the app, name and email claims, and role "user" are accepted', async () => {
    const token = await mintToken(hs, 'bob', { claims: { aud: [app.id], name: 'Bob', email: 'bob@example.com', role: 'user' } });
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(token) })).status).toBe(200);
  });

  it('tokens - agent tokens: role "agent" required, the app taken from aud, the kid must be that app\'s', async () => {
    const agentToken = (key: IdentityKey, claims: Record<string, unknown> = {}) => mintToken(key, 'agent-7', { claims: { role: 'agent', name: 'Ada', ...claims } });
    const c = (await h.device(app, 'device-1').post('/v1/conversations')).body;
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const ok = await request(h.url, 'GET', `/v1/conversations/${c.id}`, { headers: bearer(await agentToken(es)) });
    expect(ok.status).toBe(200);

    const refused: [string, string, string][] = [
      ['no role', await mintToken(hs, 'agent-7', { claims: { name: 'Ada' } }), 'role'],
      ["another app's kid with this app's aud", await agentToken(otherKey, { aud: app.id }), 'unknown_kid'],
      ['aud that is no app id', await agentToken(hs, { aud: 'not an app' }), 'wrong_audience'],
      ['aud of an unknown app', await agentToken(hs, { aud: 'app_unknown' }), 'unknown_app'],
      ['expired', await agentToken(hs, { iat: now() - 7200, exp: now() - 3600 }), 'expired'],
      ['garbage', 'garbage.garbage.garbage', 'malformed'],
    ];
    for (const [name, token, reason] of refused) {
      await expectCounted(reason, async () => {
        const response = await request(h.url, 'GET', `/v1/conversations/${c.id}`, { headers: bearer(token) });
        expect(response.status, name).toBe(401);
        expect(response.body.error.code, name).toBe(reason === 'expired' ? 'TOKEN_EXPIRED' : 'INVALID_CREDENTIALS');
      });
    }
  });

  it('tokens - a new key works at once on the replica that added it; a deleted one stops at once there', async () => {
    const key = await addIdentityKey(h, app.id);
    const token = await mintToken(key, 'carol');
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(token) })).status).toBe(200);
    const deleted = await request(h.url, 'DELETE', `/v1/apps/${app.id}/identity-keys/${key.kid}`, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(deleted.status).toBe(204);
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(token) })).status).toBe(401);
  });

  it('tokens - a signature made with jose for the right key but a tampered payload is refused', async () => {
    const token = await mintToken(hs, 'dave');
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', aud: app.id, iat: now(), exp: now() + 60 })).toString('base64url')}.${signature}`;
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(forged) })).status).toBe(401);
    // And a well-formed token signed by a stranger's secret under our kid.
    const stranger = await mintToken({ ...hs, signingKey: new TextEncoder().encode('x'.repeat(43)) }, 'dave');
    expect((await request(h.url, 'GET', '/v1/conversations', { headers: userHeaders(stranger) })).status).toBe(401);
  });
});
