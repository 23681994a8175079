import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { CreatedApp } from '@switchboard/protocol';
import { createApp, findAppById, type Database } from '@switchboard/messages';

/**
 * The demo app of `npm start`: created on the first start, its credentials kept in `DATA_DIR/demo-app.json`
 * (readable by the owner only) so that later starts print them again. A development convenience: production apps
 * come from the operator API, which shows secrets once.
 */
export async function ensureDemoApp(db: Kysely<Database>, dataDir: string): Promise<{ app: CreatedApp; created: boolean }> {
  const file = path.join(dataDir, 'demo-app.json');
  const saved = await readFile(file, 'utf8').then((text) => JSON.parse(text) as CreatedApp, () => undefined);
  if (saved && (await findAppById(db, saved.id))) return { app: saved, created: false };
  const app = await createApp(db, 'demo');
  await writeFile(file, `${JSON.stringify(app, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { app, created: true };
}

/** `OPERATOR_TOKEN`, or one generated on the first start and kept in `DATA_DIR/operator-token`. */
export async function ensureOperatorToken(given: string | undefined, dataDir: string): Promise<{ token: string; generated: boolean }> {
  if (given) return { token: given, generated: false };
  const file = path.join(dataDir, 'operator-token');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (saved.length >= 16) return { token: saved, generated: true };
  const token = `sbop_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
