import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of the workspace libraries; processes spawned by tests run the built ones.
    alias: {
      '@switchboard/protocol': lib('protocol'),
      '@switchboard/config': lib('config'),
      '@switchboard/logger': lib('logger'),
      '@switchboard/metrics': lib('metrics'),
      '@switchboard/testing': lib('testing'),
    },
  },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts', 'load-tests/src/**/*.test.ts', 'load-tests/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
