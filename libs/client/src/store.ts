/**
 * Where the client keeps what must survive it: unacknowledged sends and each conversation's last delivered message.
 * A small string key-value interface, so that a port (React Native's AsyncStorage, IndexedDB, SQLite…) is a few
 * lines. Methods may answer synchronously or with a promise.
 */
export interface ClientStore {
  /**
   * True when what it holds outlives the process: sends still queued at `close()` stay in it for the next client
   * instance (false: they are dropped with the client).
   */
  readonly durable: boolean;
  get(key: string): string | undefined | Promise<string | undefined>;
  set(key: string, value: string): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Every key that starts with `prefix`. */
  keys(prefix: string): string[] | Promise<string[]>;
}

/** The default: in memory, gone with the process (`durable: false`). */
export function createMemoryStore(): ClientStore {
  const items = new Map<string, string>();
  return {
    durable: false,
    get: (key) => items.get(key),
    set: (key, value) => void items.set(key, value),
    delete: (key) => void items.delete(key),
    keys: (prefix) => [...items.keys()].filter((key) => key.startsWith(prefix)),
  };
}

export interface LocalStorageStoreOptions {
  /** Prefix of every key it writes. @default 'switchboard:' */
  readonly prefix?: string;
  /** @default globalThis.localStorage */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;
}

/** A durable store in the browser's `localStorage` (or any `Storage`). */
export function createLocalStorageStore(options: LocalStorageStoreOptions = {}): ClientStore {
  const prefix = options.prefix ?? 'switchboard:';
  const storage = options.storage ?? globalThis.localStorage;
  if (!storage) throw new TypeError('createLocalStorageStore: no localStorage here (pass `storage`)');
  return {
    durable: true,
    get: (key) => storage.getItem(prefix + key) ?? undefined,
    set: (key, value) => storage.setItem(prefix + key, value),
    delete: (key) => storage.removeItem(prefix + key),
    keys: (start) => {
      const found: string[] = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key?.startsWith(prefix + start)) found.push(key.slice(prefix.length));
      }
      return found;
    },
  };
}
