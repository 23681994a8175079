import { fileURLToPath } from 'node:url';

/** Where Vite writes the built console (`services/console/dist`), beside this module's own build folder. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
