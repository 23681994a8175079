import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { CreatedIdentityKey } from '@switchboard/protocol';
import { OPERATOR_TOKEN, request } from './harness.js';

/** An identity key added to an app through the operator API, with what signs tokens for it. */
export interface TestKey {
  readonly appId: string;
  readonly kid: string;
  readonly alg: 'HS256' | 'ES256';
  /** HS256: the secret's UTF-8 bytes; ES256: the private key the app keeps. */
  readonly signingKey: Uint8Array | CryptoKey;
  /** HS256: the secret as shown once. */
  readonly secret?: string;
  /** ES256: the public JWK given to the service. */
  readonly publicJwk?: JWK;
}

const operator = { Authorization: `Bearer ${OPERATOR_TOKEN}` };

export async function addHsKey(url: string, appId: string): Promise<TestKey> {
  const response = await request<CreatedIdentityKey>(url, 'POST', `/v1/apps/${appId}/identity-keys`, { headers: operator, body: { alg: 'HS256' } });
  if (response.status !== 201) throw new Error(`addHsKey: ${response.status} ${JSON.stringify(response.body)}`);
  const secret = response.body.secret!;
  return { appId, kid: response.body.kid, alg: 'HS256', signingKey: new TextEncoder().encode(secret), secret };
}

export async function esKeyPair(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

export async function addEsKey(url: string, appId: string): Promise<TestKey> {
  const { privateKey, publicJwk } = await esKeyPair();
  const response = await request<CreatedIdentityKey>(url, 'POST', `/v1/apps/${appId}/identity-keys`, {
    headers: operator,
    body: { alg: 'ES256', jwk: publicJwk },
  });
  if (response.status !== 201) throw new Error(`addEsKey: ${response.status} ${JSON.stringify(response.body)}`);
  return { appId, kid: response.body.kid, alg: 'ES256', signingKey: privateKey, publicJwk };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface MintOptions {
  /** Claims added to (or, `undefined`, removed from) the defaults: `aud` the key's app, `iat` now, `exp` in an hour. */
  readonly claims?: Record<string, unknown>;
  /** Header fields over `{ alg, kid }`. */
  readonly header?: Record<string, unknown>;
}

/** Signs a token the way an app's backend would (jose), for `sub`. */
export async function mint(key: TestKey, sub: string | undefined, options: MintOptions = {}): Promise<string> {
  const now = nowSeconds();
  const claims: Record<string, unknown> = { sub, aud: key.appId, iat: now, exp: now + 3600, ...options.claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...options.header } as { alg: string }).sign(key.signingKey);
}

/** A token with a header and claims of one's choosing and any signature (`alg: none` has an empty one). */
export function rawToken(header: Record<string, unknown>, claims: Record<string, unknown>, signature = ''): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(claims)}.${signature}`;
}

/** The token refusals counted so far by the service at `url`, by reason. */
export async function tokenRefusals(url: string): Promise<Record<string, number>> {
  const text = (await request<string>(url, 'GET', '/metrics')).body;
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^switchboard_messages_token_refusals_total\{([^}]*)\} (\S+)$/gm)) {
    const reason = /reason="([^"]+)"/.exec(match[1]!)?.[1];
    if (reason) counts[reason] = Number(match[2]);
  }
  return counts;
}
