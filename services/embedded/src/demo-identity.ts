import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { SignJWT } from 'jose';
import { IDENTITY, type CreatedApp } from '@switchboard/protocol';
import type { Database } from '@switchboard/messages';

/** The demo app's HS256 identity key, as kept beside its credentials in `DATA_DIR/demo-app.json`. */
export interface DemoIdentityKey {
  readonly kid: string;
  readonly alg: 'HS256';
  readonly secret: string;
}

/** `demo-app.json`: the demo app's credentials and, since the identity release, its identity key. */
export type DemoAppFile = CreatedApp & { readonly identity_key?: DemoIdentityKey };

export const demoAppFile = (dataDir: string) => path.join(dataDir, 'demo-app.json');

export async function readDemoAppFile(dataDir: string): Promise<DemoAppFile | undefined> {
  return readFile(demoAppFile(dataDir), 'utf8').then((text) => JSON.parse(text) as DemoAppFile, () => undefined);
}

export async function writeDemoAppFile(dataDir: string, content: DemoAppFile): Promise<void> {
  const file = demoAppFile(dataDir);
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * The demo app's identity key, so that `npm run demo:token` can sign user and agent tokens for it: created on the
 * first start (or when the database lost it), its secret kept in `demo-app.json` (mode 0600) beside the app's
 * credentials. The app stays `identity: optional`: anonymous devices keep working.
 *
 * TODO(msg-identity): create it through the messages service's identity-key use case once it is on main; until
 * then the row of `identity_keys` (db/schema.ts) is written here, as that use case does (`key_` + a UUID, a
 * base64url secret of `IDENTITY.hsSecretBytes`).
 */
export async function ensureDemoIdentityKey(db: Kysely<Database>, dataDir: string, app: CreatedApp): Promise<{ key: DemoIdentityKey; created: boolean }> {
  const saved = await readDemoAppFile(dataDir);
  const known = saved?.id === app.id ? saved.identity_key : undefined;
  if (known) {
    const row = await db.selectFrom('identity_keys').select('kid').where('app_id', '=', app.id).where('kid', '=', known.kid).executeTakeFirst();
    if (row) return { key: known, created: false };
  }
  const key: DemoIdentityKey = { kid: `key_${randomUUID().replaceAll('-', '')}`, alg: 'HS256', secret: randomBytes(IDENTITY.hsSecretBytes).toString('base64url') };
  await db.insertInto('identity_keys').values({ app_id: app.id, kid: key.kid, alg: key.alg, secret: key.secret, jwk: null }).execute();
  await writeDemoAppFile(dataDir, { ...app, identity_key: key });
  return { key, created: true };
}

export interface DemoTokenClaims {
  /** The user's (or agent's) id: `sub`. */
  readonly user: string;
  readonly name?: string | undefined;
  /** An agent token (`role: "agent"`) for `/admin` and agents' REST. */
  readonly agent?: boolean;
  /** Lifetime in seconds, at most `IDENTITY.maxLifetimeSeconds`. */
  readonly ttlSeconds: number;
}

/** A token for the demo app as an app's backend would mint it: HS256 with `kid`, `aud` = app id, `iat`, `exp`. */
export async function signDemoToken(appId: string, key: DemoIdentityKey, claims: DemoTokenClaims, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ ...(claims.name === undefined ? {} : { name: claims.name }), ...(claims.agent ? { role: 'agent' } : {}) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.user)
    .setAudience(appId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + claims.ttlSeconds)
    .sign(new TextEncoder().encode(key.secret));
}
