import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface Credentials {
  readonly id: string;
  readonly api_key: string;
  readonly admin_token: string;
}

/** APP_ID with API_KEY and/or ADMIN_TOKEN, else the demo app `npm start` wrote to DATA_DIR/demo-app.json. */
export async function loadCredentials(env: NodeJS.ProcessEnv): Promise<Credentials> {
  if (env.APP_ID && (env.API_KEY || env.ADMIN_TOKEN)) {
    return { id: env.APP_ID, api_key: env.API_KEY ?? '', admin_token: env.ADMIN_TOKEN ?? '' };
  }
  const file = path.join(env.DATA_DIR ?? '.data', 'demo-app.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    throw new Error(`no credentials: start the platform with \`npm start\` first (it writes ${file}), or set APP_ID and API_KEY/ADMIN_TOKEN`);
  }
}

/** The user a token names (its `sub`), read without verification, only to tell the person who they are signed in as. */
export function tokenSubject(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
