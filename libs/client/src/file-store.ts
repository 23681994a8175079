/// <reference types="node" />
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientStore } from './store.js';

/**
 * A durable store in a folder, one file per key (the key URI-encoded as its name), each written to a temporary file
 * and renamed over the old one, so a crash leaves the previous value or the new one, never half of one. Node only:
 * import it from `@switchboard/client/node`.
 */
export function createFileStore(dir: string): ClientStore {
  const ready = mkdir(dir, { recursive: true });
  const file = (key: string) => path.join(dir, encodeURIComponent(key));
  let temp = 0;
  return {
    durable: true,
    async get(key) {
      await ready;
      try {
        return await readFile(file(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async set(key, value) {
      await ready;
      const tmp = path.join(dir, `.tmp-${process.pid}-${temp++}`);
      await writeFile(tmp, value, 'utf8');
      await rename(tmp, file(key));
    },
    async delete(key) {
      await ready;
      await rm(file(key), { force: true });
    },
    async keys(prefix) {
      await ready;
      const names = await readdir(dir);
      return names
        .filter((name) => !name.startsWith('.tmp-'))
        .map((name) => decodeURIComponent(name))
        .filter((key) => key.startsWith(prefix));
    },
  };
}
