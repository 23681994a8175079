import { ConfigError } from '@switchboard/config';

/**
 * The platform cannot start here as configured, for a reason the operator fixes (the data folder or a port is
 * taken). A `ConfigError`, so that `runService` prints its one line and exits 1 instead of a stack trace.
 */
export class StartRefusedError extends ConfigError {
  constructor(problem: string) {
    super([problem]);
    this.name = 'StartRefusedError';
    this.message = problem;
  }
}
