import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file of the built console, held in memory with what its responses need. */
export interface StaticAsset {
  readonly body: Buffer;
  /** The gzipped body, for text files worth compressing (sent when the client accepts gzip). */
  readonly gzip: Buffer | undefined;
  readonly contentType: string;
  /** A strong validator: the first 16 hex digits of the body's SHA-256, quoted. */
  readonly etag: string;
  readonly cacheControl: string;
}

/** The built console (`services/console/dist`), read once at start: a few files, well under a megabyte. */
export interface StaticSite {
  /** The asset at a path relative to the site's root (`index.html`, `assets/console-1a2b.js`), if any. */
  get(relativePath: string): StaticAsset | undefined;
  /** How many files it holds. */
  readonly size: number;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Below this size gzip saves too little to matter. */
const GZIP_MIN_BYTES = 1024;

/**
 * Vite names what it builds under `assets/` by content hash, so those never change under one name: cached for a year.
 * Everything else (the two pages, `config.json`) is revalidated on every load, so a new build shows at once.
 */
function cacheControlOf(relativePath: string): string {
  return relativePath.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

function assetOf(relativePath: string, body: Buffer): StaticAsset {
  const contentType = CONTENT_TYPES[path.extname(relativePath).toLowerCase()] ?? 'application/octet-stream';
  const compressible = /^(text\/|application\/json|image\/svg)/.test(contentType) && body.length >= GZIP_MIN_BYTES;
  return Object.freeze({
    body,
    gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
    cacheControl: cacheControlOf(relativePath),
  });
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return listFiles(root, relative);
      return entry.isFile() ? [relative] : [];
    }),
  );
  return nested.flat();
}

/**
 * Reads every file under `root` into memory. Requests are then answered from a map of known paths, so no request
 * path ever reaches the file system (nothing to traverse out of). Rejects when `root` has no `index.html` (the
 * console was not built: `npm run build`).
 */
export async function loadStaticSite(root: string): Promise<StaticSite> {
  const files = await listFiles(root);
  if (!files.includes('index.html')) throw new Error(`${root} holds no index.html: build the console first (npm run build)`);
  const assets = new Map<string, StaticAsset>();
  for (const file of files) assets.set(file, assetOf(file, await readFile(path.join(root, file))));
  return Object.freeze({ get: (relativePath: string) => assets.get(relativePath), size: assets.size });
}

/** An asset made from a string (the generated `config.json`), with the same headers as a file's. */
export function generatedAsset(relativePath: string, text: string): StaticAsset {
  return assetOf(relativePath, Buffer.from(text, 'utf8'));
}
