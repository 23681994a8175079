/**
 * Where the signed-in token lives: this tab's `sessionStorage` (it survives a reload, not the tab), read from the
 * `#token=…` link that `npm start` prints, which is then removed from the address bar so that it is neither
 * bookmarked nor shared by accident. The fragment never reaches a server, so the token stays out of access logs.
 */
const PREFIX = 'switchboard-console:';
const TOKEN_KEY = `${PREFIX}token`;
const SELECTED_KEY = `${PREFIX}selected`;
/** The SDK's store (its queued sends and each conversation's last delivered message) shares the tab's storage. */
export const SDK_STORE_PREFIX = `${PREFIX}sdk:`;

/** The parts of the browser it uses (`sessionStorage`, `location`, `history`), so it is tested without one. */
export interface TabStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
export interface AddressBar {
  readonly hash: string;
  readonly pathname: string;
  readonly search: string;
}
export interface TabHistory {
  readonly state: unknown;
  replaceState(state: unknown, unused: string, url: string): void;
}

export interface SignInSession {
  /** The token given in the page's `#token=…` fragment (then removed from the address bar), else the kept one. */
  readonly initialToken: string | null;
  keep(token: string): void;
  /** Signs out: the token, the open conversation and the SDK's store go. */
  forget(): void;
  /** The conversation open before a reload. */
  selected(): string | null;
  select(conversationId: string | null): void;
}

export function createSignInSession(storage: TabStorage, location: AddressBar, history: TabHistory): SignInSession {
  const fromFragment = takeFragmentToken(location, history);
  if (fromFragment) {
    storage.setItem(TOKEN_KEY, fromFragment);
    storage.removeItem(SELECTED_KEY);
  }
  return {
    initialToken: fromFragment ?? storage.getItem(TOKEN_KEY),
    keep: (token) => storage.setItem(TOKEN_KEY, token),
    forget: () => {
      const ours: string[] = [];
      for (let i = 0; i < storage.length; i++) if (storage.key(i)?.startsWith(PREFIX)) ours.push(storage.key(i)!);
      for (const key of ours) storage.removeItem(key);
    },
    selected: () => storage.getItem(SELECTED_KEY),
    select: (id) => (id === null ? storage.removeItem(SELECTED_KEY) : storage.setItem(SELECTED_KEY, id)),
  };
}

/** `#token=…` (URL-encoded), removed from the address bar with `history.replaceState` as soon as it is read. */
function takeFragmentToken(location: AddressBar, history: TabHistory): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (token === null) return null;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  return token.trim() || null;
}
