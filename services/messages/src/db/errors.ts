/**
 * Postgres failures translated next to the driver (`@switchboard/service-kit`'s pool), so the HTTP layer and the use
 * cases never look at driver errors themselves.
 */
export {
  databaseTarget,
  DatabaseUnavailableError,
  describeDatabaseError,
  driverError,
  isDatabaseConfigurationError,
  isDatabaseUnavailable,
} from '@switchboard/service-kit';
