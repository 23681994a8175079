import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The built entry script (`dist/main.js`) of a service package, e.g. `@switchboard/gateway`, found at run time:
 * libraries never import services, so the stack reaches them by package name only. Build first (`npx tsc -b`).
 */
export function serviceScript(packageName: string): string {
  // The package's export is dist/index.js; its process entry sits beside it.
  return path.join(path.dirname(require.resolve(packageName)), 'main.js');
}
