import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * The console is static: `dist/` is served under `/console/` (by `npm start`, `npm run start:console` or any web
 * server) and reads `config.json` beside it at run time. Two pages: the agent console and the customer widget.
 */
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: { input: { console: page('./index.html'), widget: page('./widget.html') } },
  },
});
