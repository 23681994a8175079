import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the shared Postgres is: `DATABASE_URL`, else the local trust-auth server. */
export function postgresAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase extends AsyncDisposable {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database on the shared Postgres for one test file or run, and drops it (with FORCE) when
 * disposed. The name is unique per call, so parallel runs never meet. `adminUrl`: another server (a private one).
 */
export async function createTestDatabase(prefix = 'sb_test', adminUrl = postgresAdminUrl()): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  return { name, url: url.toString(), drop, [Symbol.asyncDispose]: drop };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
