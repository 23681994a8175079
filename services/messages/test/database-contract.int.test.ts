import { createTestDatabase } from '@switchboard/testing';
import { createPgliteDatabase } from '../src/db/pglite.js';
import { createPostgresDatabase } from '../src/db/postgres.js';
import { databaseContract } from './database-contract.js';
import { testLogger } from './harness.js';

databaseContract('postgres', async () => {
  const database = await createTestDatabase();
  const postgres = createPostgresDatabase({ connectionString: database.url, poolSize: 25, logger: testLogger() });
  return {
    db: postgres.db,
    close: async () => {
      await postgres.close();
      await database.drop();
    },
  };
});

databaseContract('pglite', async () => {
  const pglite = await createPgliteDatabase();
  return { db: pglite.db, close: () => pglite.close() };
});
