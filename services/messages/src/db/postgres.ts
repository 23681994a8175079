import { createPostgresDatabase as createPool, type PostgresDatabase as Pool, type PostgresOptions } from '@switchboard/service-kit';
import type { Database } from './schema.js';

export type PostgresDatabase = Pool<Database>;

/** The messages service's tables on the shared pool (`@switchboard/service-kit`). */
export const createPostgresDatabase = (options: PostgresOptions): PostgresDatabase => createPool<Database>(options);
