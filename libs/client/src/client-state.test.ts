import { describe, expect, it } from 'vitest';
import { ClientState } from './client-state.js';
import { createMemoryStore, type ClientStore } from './store.js';

describe('client state', () => {
  it('client state - scopes keys per identity; cursors and sends round-trip', async () => {
    const store = createMemoryStore();
    const a = new ClientState(store, 'client:app:a');
    const b = new ClientState(store, 'client:app:b');
    await a.saveSend({ conversationId: 'c1', localId: 'l2', body: 'two', createdAt: 2 });
    await a.saveSend({ conversationId: 'c1', localId: 'l1', body: 'one', createdAt: 1 });
    await a.saveCursor('c1', { seq: 3, id: 'm3' });
    expect((await a.loadSends()).map((p) => p.localId)).toEqual(['l1', 'l2']);
    expect(await a.loadCursors()).toEqual(new Map([['c1', { seq: 3, id: 'm3' }]]));
    expect(await b.loadSends()).toEqual([]);
    expect(await b.loadCursors()).toEqual(new Map());
    await a.removeSend('l1');
    expect((await a.loadSends()).map((p) => p.localId)).toEqual(['l2']);
  });

  it('client state - writes to one key land in order, the latest winning, on a store whose writes race', async () => {
    const values = new Map<string, string>();
    // A store whose earlier writes take longer: without ordering, an older cursor would overwrite a newer one.
    let delay = 30;
    const slow: ClientStore = {
      durable: true,
      get: (key) => values.get(key),
      set: (key, value) => new Promise<void>((resolve) => setTimeout(() => (values.set(key, value), resolve()), (delay = Math.max(0, delay - 10)))),
      delete: (key) => void values.delete(key),
      keys: (prefix) => [...values.keys()].filter((k) => k.startsWith(prefix)),
    };
    const state = new ClientState(slow, 's');
    const writes = [1, 2, 3, 4].map((seq) => state.saveCursor('c1', { seq, id: `m${seq}` }));
    await Promise.all(writes);
    expect(await state.loadCursors()).toEqual(new Map([['c1', { seq: 4, id: 'm4' }]]));
  });

  it('client state - torn values are ignored', async () => {
    const store = createMemoryStore();
    store.set('s/cursor/c1', '{"seq":');
    store.set('s/send/x', 'not json');
    const state = new ClientState(store, 's');
    expect(await state.loadCursors()).toEqual(new Map());
    expect(await state.loadSends()).toEqual([]);
  });

  it('client state - flush() resolves once every write so far reached the store', async () => {
    const values = new Map<string, string>();
    const slow: ClientStore = {
      ...createMemoryStore(),
      durable: true,
      set: (key, value) => new Promise<void>((resolve) => setTimeout(() => (values.set(key, value), resolve()), 20)),
    };
    const state = new ClientState(slow, 's');
    void state.saveCursor('c1', { seq: 1, id: 'm1' });
    void state.saveCursor('c2', { seq: 5, id: 'm5' });
    await state.flush();
    expect([...values.keys()].sort()).toEqual(['s/cursor/c1', 's/cursor/c2']);
  });
});
