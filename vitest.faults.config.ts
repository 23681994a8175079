import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fault-injection suite (`npm run test:faults`): one file per fault, run one at a time, since each measures
 * how fast the system recovers and two at once on this machine's two cores would measure each other.
 */
export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
