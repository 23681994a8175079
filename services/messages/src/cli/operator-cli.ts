/** The messages service's operator CLIs (`apps:identity-key`, `apps:rotate`, `apps:update`) on the shared runner. */
import { mainOf as runMain, type OperatorCli as ServiceOperatorCli, type OperatorService } from '@switchboard/service-kit';
import { migrateToLatest } from '../db/migrate.js';
import type { Database } from '../db/schema.js';

export { UsageError } from '@switchboard/service-kit';

/** On `DATABASE_URL` (migrated first), else the operator API of a running service at `MESSAGES_URL`. */
export const MESSAGES_OPERATOR: OperatorService = Object.freeze({
  urlVariable: 'MESSAGES_URL',
  defaultUrl: 'http://127.0.0.1:3001',
  migrate: migrateToLatest,
});

export type OperatorCli<V> = ServiceOperatorCli<V, Database>;

/** Runs a CLI as the process's main: exit with its code. */
export const mainOf = <V>(cli: OperatorCli<V>): void => runMain(MESSAGES_OPERATOR, cli);
