import { describe, expect, it } from 'vitest';
import { createSignInSession, SDK_STORE_PREFIX, type AddressBar, type TabHistory, type TabStorage } from './sign-in-session.js';

function memoryStorage(initial: Record<string, string> = {}): TabStorage & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

const history = (): TabHistory & { urls: string[] } => {
  const urls: string[] = [];
  return { state: null, urls, replaceState: (_state, _unused, url) => void urls.push(url) };
};
const at = (hash: string): AddressBar => ({ hash, pathname: '/console/', search: '?x=1' });

describe('console sign-in - session', () => {
  it('takes the #token= link, keeps it in the tab and removes it from the address bar', () => {
    const storage = memoryStorage({ 'switchboard-console:selected': 'conv_old' });
    const bar = history();
    const session = createSignInSession(storage, at(`#token=${encodeURIComponent('sba.app_1.s3cret')}`), bar);
    expect(session.initialToken).toBe('sba.app_1.s3cret');
    expect(bar.urls).toEqual(['/console/?x=1']);
    expect(storage.getItem('switchboard-console:token')).toBe('sba.app_1.s3cret');
    expect(session.selected()).toBeNull(); // a new sign-in starts with no conversation open
  });

  it('without a link, the token kept by the tab; the address bar left alone', () => {
    const bar = history();
    const session = createSignInSession(memoryStorage({ 'switchboard-console:token': 'kept' }), at(''), bar);
    expect(session.initialToken).toBe('kept');
    expect(bar.urls).toEqual([]);
  });

  it('signing out forgets the token, the open conversation and the SDK store, nothing else', () => {
    const storage = memoryStorage({ other: 'stays' });
    const session = createSignInSession(storage, at('#token=t'), history());
    session.select('conv_1');
    storage.setItem(`${SDK_STORE_PREFIX}admin:app_1:send/x`, '{}');
    session.forget();
    expect([...storage.items.keys()]).toEqual(['other']);
  });
});
