import type { AckError, Message } from '@switchboard/protocol';

/** A message the client wants sent, kept until the server acknowledged it. */
export interface PendingSend {
  readonly conversationId: string;
  readonly localId: string;
  readonly body: string;
  readonly createdAt: number;
}

/**
 * Where unacknowledged sends wait. In memory by default; an app that must survive restarts plugs in its own
 * (localStorage, IndexedDB, SQLite…).
 */
export interface SendStore {
  load(): Promise<PendingSend[]>;
  save(pending: PendingSend): Promise<void>;
  remove(localId: string): Promise<void>;
}

export function createMemorySendStore(): SendStore {
  const items = new Map<string, PendingSend>();
  return {
    load: async () => [...items.values()],
    save: async (p) => void items.set(p.localId, p),
    remove: async (localId) => void items.delete(localId),
  };
}

/** Sends one message over the socket and resolves with the ack (rejects on timeout or transport loss). */
export type Transmit = (pending: PendingSend) => Promise<{ success: true; message: Message } | { success: false; error: AckError }>;

/** Errors that no retry can fix: the send is abandoned and its promise rejects. */
const FINAL = new Set(['VALIDATION_FAILED', 'NOT_FOUND', 'FORBIDDEN', 'INVALID_CREDENTIALS', 'MISSING_PARAMS', 'PAYLOAD_TOO_LARGE']);

export class SendError extends Error {
  readonly code: string;
  constructor(error: AckError) {
    super(error.message);
    this.name = 'SendError';
    this.code = error.code;
  }
}

export interface SendQueueOptions {
  readonly store: SendStore;
  readonly transmit: Transmit;
  /** Delay before retry number `attempt` (from 0). */
  readonly retryDelay: (attempt: number) => number;
  readonly newLocalId?: () => string;
}

/**
 * Sends in order, one at a time, retrying each until the server acknowledged it. Every retry carries the same
 * `local_id`, so the server stores the message once however often it is sent. While offline (`pause()`), sends
 * wait in the store; `resume()` flushes them.
 */
export class SendQueue {
  readonly #options: SendQueueOptions;
  readonly #waiters = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  readonly #queue: PendingSend[] = [];
  #online = false;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #loaded: Promise<void>;

  constructor(options: SendQueueOptions) {
    this.#options = options;
    this.#loaded = options.store.load().then((items) => {
      this.#queue.push(...items.sort((a, b) => a.createdAt - b.createdAt));
    });
  }

  /** Queues a message and resolves with the stored one once acknowledged. */
  async send(conversationId: string, body: string, localId?: string): Promise<Message> {
    await this.#loaded;
    const pending: PendingSend = {
      conversationId,
      body,
      localId: localId ?? this.#options.newLocalId?.() ?? globalThis.crypto.randomUUID(),
      createdAt: Date.now(),
    };
    await this.#options.store.save(pending);
    const result = new Promise<Message>((resolve, reject) => this.#waiters.set(pending.localId, { resolve, reject }));
    this.#queue.push(pending);
    this.#pump();
    return result;
  }

  /** Messages not yet acknowledged, oldest first. */
  get pending(): readonly PendingSend[] {
    return [...this.#queue];
  }

  resume(): void {
    this.#online = true;
    void this.#loaded.then(() => this.#pump());
  }

  pause(): void {
    this.#online = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Rejects every waiting promise (the client is closing); the store keeps the messages. */
  close(): void {
    this.pause();
    for (const [, waiter] of this.#waiters) waiter.reject(new Error('client closed'));
    this.#waiters.clear();
  }

  #pump(attempt = 0): void {
    if (!this.#online || this.#running || this.#timer) return;
    const next = this.#queue[0];
    if (!next) return;
    this.#running = true;
    this.#options.transmit(next).then(
      async (ack) => {
        this.#running = false;
        if (ack.success) return this.#settle(next, ack.message);
        if (FINAL.has(ack.error.code)) return this.#settle(next, new SendError(ack.error));
        this.#retry(attempt);
      },
      () => {
        this.#running = false;
        this.#retry(attempt);
      },
    );
  }

  #retry(attempt: number): void {
    if (!this.#online) return; // resume() starts again
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump(attempt + 1);
    }, this.#options.retryDelay(attempt));
  }

  async #settle(pending: PendingSend, outcome: Message | Error): Promise<void> {
    this.#queue.shift();
    await this.#options.store.remove(pending.localId);
    const waiter = this.#waiters.get(pending.localId);
    this.#waiters.delete(pending.localId);
    if (outcome instanceof Error) waiter?.reject(outcome);
    else waiter?.resolve(outcome);
    this.#pump();
  }
}
