import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientState } from './client-state.js';
import { createFileStore } from './file-store.js';
import { createLocalStorageStore, createMemoryStore, type ClientStore } from './store.js';

/** A `Storage` like the browser's, in memory. */
function fakeStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
    key: (index: number) => [...items.keys()][index] ?? null,
    get length() {
      return items.size;
    },
    items,
  };
}

async function roundTrip(store: ClientStore) {
  await store.set('client:app_1:dev@x/send/a:b', '{"n":1}');
  await store.set('client:app_1:dev@x/cursor/conv_1', '{"seq":2,"id":"m2"}');
  await store.set('admin:app_1/cursor/conv_1', '{}');
  expect(await store.get('client:app_1:dev@x/send/a:b')).toBe('{"n":1}');
  expect(await store.get('missing')).toBeUndefined();
  expect((await store.keys('client:app_1:dev@x/')).sort()).toEqual(['client:app_1:dev@x/cursor/conv_1', 'client:app_1:dev@x/send/a:b']);
  await store.delete('client:app_1:dev@x/send/a:b');
  await store.delete('never-there');
  expect(await store.keys('client:')).toEqual(['client:app_1:dev@x/cursor/conv_1']);
}

describe('stores', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('store - memory: round-trips and is not durable', async () => {
    const store = createMemoryStore();
    await roundTrip(store);
    expect(store.durable).toBe(false);
  });

  it('store - localStorage: round-trips under its prefix, durable, leaves other keys alone', async () => {
    const storage = fakeStorage();
    storage.setItem('other-app', 'x');
    const store = createLocalStorageStore({ storage, prefix: 'sb:' });
    await roundTrip(store);
    expect(store.durable).toBe(true);
    expect([...storage.items.keys()].sort()).toEqual(['other-app', 'sb:client:app_1:dev@x/cursor/conv_1', 'sb:admin:app_1/cursor/conv_1'].sort());
  });

  it('store - file: round-trips with any key characters, durable, survives a new instance on the folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sdk-file-store-'));
    dirs.push(dir);
    const store = createFileStore(path.join(dir, 'nested'));
    await roundTrip(store);
    expect(store.durable).toBe(true);
    const again = new ClientState(createFileStore(path.join(dir, 'nested')), 'client:app_1:dev@x');
    expect(await again.loadCursors()).toEqual(new Map([['conv_1', { seq: 2, id: 'm2' }]]));
    expect((await readdir(path.join(dir, 'nested'))).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });
});
