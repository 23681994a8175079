import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (lib: string, file = 'index') => fileURLToPath(new URL(`./libs/${lib}/src/${file}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of the workspace libraries; processes spawned by tests run the built ones.
    alias: [
      ...['socket-events', 'http-api', 'error-codes'].map((entry) => ({
        find: new RegExp(`^@switchboard/protocol/${entry}$`),
        replacement: src('protocol', entry),
      })),
      ...['protocol', 'config', 'logger', 'metrics', 'runtime', 'presence', 'service-kit', 'testing', 'client'].map((lib) => ({
        find: new RegExp(`^@switchboard/${lib}$`),
        replacement: src(lib),
      })),
    ],
  },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts', 'load-tests/src/**/*.test.ts', 'load-tests/test/**/*.test.ts'],
    // The fault-injection suite runs on its own, one file at a time: `npm run test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
