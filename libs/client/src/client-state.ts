import type { ClientStore } from './store.js';

/** A message the client wants sent, kept until the server acknowledged it. */
export interface PendingSend {
  readonly conversationId: string;
  readonly localId: string;
  readonly body: string;
  readonly createdAt: number;
}

/** The last message delivered in order in a conversation. */
export interface Cursor {
  readonly seq: number;
  readonly id: string;
}

/**
 * The client's layout in a `ClientStore`, under one scope per identity (`client:<app>:<device>`, `admin:<app>`), so
 * one store can serve several clients: `<scope>/send/<local_id>` and `<scope>/cursor/<conversation id>`, JSON.
 * Writes to one key are applied in order, the latest value winning, whatever the store does with concurrent calls.
 */
export class ClientState {
  readonly #store: ClientStore;
  readonly #scope: string;
  readonly #waiting = new Map<string, { value: string | undefined; done: Promise<void> }>();
  readonly #tails = new Map<string, Promise<void>>();

  constructor(store: ClientStore, scope: string) {
    this.#store = store;
    this.#scope = scope;
  }

  get durable(): boolean {
    return this.#store.durable;
  }

  /** Resolves once every write made so far reached the store (failed ones included). */
  async flush(): Promise<void> {
    await Promise.all([...this.#tails.values()]);
  }

  async loadSends(): Promise<PendingSend[]> {
    const sends = await this.#loadAll<PendingSend>('send/');
    return sends.sort((a, b) => a.createdAt - b.createdAt);
  }

  saveSend(pending: PendingSend): Promise<void> {
    return this.#write(`send/${pending.localId}`, JSON.stringify(pending));
  }

  removeSend(localId: string): Promise<void> {
    return this.#write(`send/${localId}`, undefined);
  }

  async loadCursors(): Promise<Map<string, Cursor>> {
    const keys = await this.#store.keys(`${this.#scope}/cursor/`);
    const cursors = new Map<string, Cursor>();
    for (const key of keys) {
      const value = parse<Cursor>(await this.#store.get(key));
      if (value && typeof value.seq === 'number' && typeof value.id === 'string') {
        cursors.set(key.slice(`${this.#scope}/cursor/`.length), value);
      }
    }
    return cursors;
  }

  saveCursor(conversationId: string, cursor: Cursor): Promise<void> {
    return this.#write(`cursor/${conversationId}`, JSON.stringify(cursor));
  }

  async #loadAll<T>(kind: string): Promise<T[]> {
    const keys = await this.#store.keys(`${this.#scope}/${kind}`);
    const values: T[] = [];
    for (const key of keys) {
      const value = parse<T>(await this.#store.get(key));
      if (value) values.push(value);
    }
    return values;
  }

  /**
   * Writes the key's latest value (undefined: delete) after its previous write finished; a value not yet written is
   * replaced by a newer one. Resolves once the value (or a newer one) is written.
   */
  #write(key: string, value: string | undefined): Promise<void> {
    const full = `${this.#scope}/${key}`;
    const waiting = this.#waiting.get(full);
    if (waiting) {
      waiting.value = value;
      return waiting.done;
    }
    const previous = this.#tails.get(full) ?? Promise.resolve();
    const entry: { value: string | undefined; done: Promise<void> } = { value, done: Promise.resolve() };
    entry.done = previous.then(async () => {
      this.#waiting.delete(full); // from here on, a newer value queues behind this write
      if (entry.value === undefined) await this.#store.delete(full);
      else await this.#store.set(full, entry.value);
    });
    this.#waiting.set(full, entry);
    const tail = entry.done.catch(() => {});
    this.#tails.set(full, tail);
    void tail.then(() => {
      if (this.#tails.get(full) === tail) this.#tails.delete(full);
    });
    return entry.done;
  }
}

function parse<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // a torn or foreign value: ignored, like a missing one
  }
}
