/** Node-only additions to `@switchboard/client` (kept out of the browser entry). */
export { createFileStore } from './file-store.js';
