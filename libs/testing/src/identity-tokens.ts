import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { appPath, REST_PATHS, type CreatedIdentityKey } from '@switchboard/protocol';

/**
 * Signing users and agents in, the way an app's backend does (docs/identity.md): identity keys added to an app
 * through the operator API, and tokens minted with jose for them, with any claims and header; `rawToken` crafts
 * the malformed ones a verifier must refuse.
 */

/** Where the operator API is: the messages service's URL and its `OPERATOR_TOKEN`. */
export interface OperatorApi {
  readonly url: string;
  readonly operatorToken: string;
}

/** An app's identity key, with what signs tokens for it. */
export interface IdentityKey {
  readonly appId: string;
  readonly kid: string;
  readonly alg: 'HS256' | 'ES256';
  /** HS256: the secret's UTF-8 bytes; ES256: the private key the app keeps. */
  readonly signingKey: Uint8Array | CryptoKey;
  /** HS256: the secret, as answered once. */
  readonly secret?: string;
  /** ES256: the public JWK given to the service. */
  readonly publicJwk?: JWK;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A fresh P-256 key pair; the public JWK carries only what the service accepts. */
export async function esKeyPair(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

/** An HS256 key created elsewhere (a CLI, another helper), from its `kid` and secret. */
export function hsIdentityKey(appId: string, created: { readonly kid: string; readonly secret: string }): IdentityKey {
  return { appId, kid: created.kid, alg: 'HS256', signingKey: new TextEncoder().encode(created.secret), secret: created.secret };
}

/** Adds an identity key to `appId` through the operator API: HS256 (the service makes the secret) or ES256 (a new key pair). */
export async function addIdentityKey(api: OperatorApi, appId: string, alg: 'HS256' | 'ES256' = 'HS256'): Promise<IdentityKey> {
  const pair = alg === 'ES256' ? await esKeyPair() : undefined;
  const response = await fetch(new URL(appPath(REST_PATHS.identityKeys, appId), api.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${api.operatorToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(pair ? { alg, jwk: pair.publicJwk } : { alg }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`addIdentityKey(${alg}): ${response.status} ${text}`);
  const created = JSON.parse(text) as CreatedIdentityKey;
  if (!pair) return hsIdentityKey(appId, { kid: created.kid, secret: created.secret! });
  return { appId, kid: created.kid, alg, signingKey: pair.privateKey, publicJwk: pair.publicJwk };
}

/** `iat` and `exp` for a token whose `exp` is `seconds` from now (negative: already past), issued a minute before the earlier of now and `exp`. */
export function expiresIn(seconds: number): { iat: number; exp: number } {
  const now = nowSeconds();
  return { iat: now + Math.min(0, seconds) - 60, exp: now + seconds };
}

export interface MintOptions {
  /** Claims added to (or, `undefined`, removed from) the defaults: `aud` the key's app, `iat` now, `exp` in an hour. */
  readonly claims?: Record<string, unknown>;
  /** Header fields over `{ alg, kid }`. */
  readonly header?: Record<string, unknown>;
}

/** A token for `sub` (a user's; an agent's with `role: 'agent'` among the claims), signed with the key's algorithm. */
export async function mintToken(key: IdentityKey, sub: string | undefined, options: MintOptions = {}): Promise<string> {
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
