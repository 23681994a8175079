export interface TypingDebouncerOptions {
  /** At most one `typing:start` per conversation this often. @default 2000 */
  readonly startEveryMs?: number;
  /** `typing:stop` after this long without a keystroke. @default 3000 */
  readonly idleStopMs?: number;
}

/**
 * Call `typing(conversationId)` on every keystroke: it sends `typing:start` at most every 2 s while typing goes
 * on, and `typing:stop` once 3 s pass without a keystroke (or at once with `stop()`, e.g. when the message is
 * sent).
 */
export class TypingDebouncer {
  readonly #send: (conversationId: string, isTyping: boolean) => void;
  readonly #startEvery: number;
  readonly #idleStop: number;
  readonly #state = new Map<string, { lastStart: number; idle: ReturnType<typeof setTimeout> }>();

  constructor(send: (conversationId: string, isTyping: boolean) => void, options: TypingDebouncerOptions = {}) {
    this.#send = send;
    this.#startEvery = options.startEveryMs ?? 2000;
    this.#idleStop = options.idleStopMs ?? 3000;
  }

  typing(conversationId: string): void {
    const now = Date.now();
    const state = this.#state.get(conversationId);
    if (state) clearTimeout(state.idle);
    const lastStart = state && now - state.lastStart < this.#startEvery ? state.lastStart : now;
    if (lastStart === now) this.#send(conversationId, true);
    const idle = setTimeout(() => this.stop(conversationId), this.#idleStop);
    this.#state.set(conversationId, { lastStart, idle });
  }

  stop(conversationId: string): void {
    const state = this.#state.get(conversationId);
    if (!state) return;
    clearTimeout(state.idle);
    this.#state.delete(conversationId);
    this.#send(conversationId, false);
  }

  close(): void {
    for (const { idle } of this.#state.values()) clearTimeout(idle);
    this.#state.clear();
  }
}
