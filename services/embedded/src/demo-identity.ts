import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { SignJWT } from 'jose';
import type { CreatedApp } from '@switchboard/protocol';
import { createIdentityKey, listIdentityKeys, type Database } from '@switchboard/messages';

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
 * first start (or when the database lost it, or it was deleted) through the messages service's identity-key use
 * case, its secret kept in `demo-app.json` (mode 0600) beside the app's credentials, since the service shows it only
 * once. The app stays `identity: optional`: anonymous devices keep working.
 */
export async function ensureDemoIdentityKey(db: Kysely<Database>, dataDir: string, app: CreatedApp): Promise<{ key: DemoIdentityKey; created: boolean }> {
  const saved = await readDemoAppFile(dataDir);
  const known = saved?.id === app.id ? saved.identity_key : undefined;
  if (known && (await listIdentityKeys(db, app.id)).data.some((key) => key.kid === known.kid)) return { key: known, created: false };
  const created = await createIdentityKey(db, app.id, { alg: 'HS256' });
  const key: DemoIdentityKey = { kid: created.kid, alg: 'HS256', secret: created.secret! };
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
