import type { Message } from '@switchboard/protocol';
import type { Cursor } from './client-state.js';

/** Fetches every message strictly after `afterId` (all pages; `null`: from the first), ascending `seq`. */
export type FetchMissing = (conversationId: string, afterId: string | null) => Promise<Message[]>;

interface State {
  lastSeq: number;
  lastId: string | undefined;
  /** Messages that arrived ahead of a gap, by seq. */
  readonly ahead: Map<number, Message>;
  filling: Promise<void> | undefined;
  /** Failed fills in a row, and the timer of the next attempt. */
  failures: number;
  retry: ReturnType<typeof setTimeout> | undefined;
  /**
   * False for a conversation first heard of while catching up (`hold()`): its messages wait in `ahead` until the
   * catch-up says where it starts (`fromStart()`) or ends (`release()`: at its first message heard).
   */
  anchored: boolean;
}

export interface ConversationStreamsOptions {
  /** Delay before retrying failed fill number `attempt` (from 0). @default 1 s doubling to 30 s */
  readonly retryDelay?: (attempt: number) => number;
  /** Called after each message delivered in order (to keep the cursor in a store). */
  readonly onCursor?: (conversationId: string, cursor: Cursor) => void;
  /**
   * Where a conversation first heard at a message past its first (`seq` > 1, outside a catch-up) starts: the last
   * message before it that is not this client's to deliver, `null` to deliver it from its first message, `undefined`
   * (or a failure) to start at the message heard. Messages of one conversation can arrive out of order (each
   * gateway node fans out part of them), so the first one heard is not always the first one sent.
   * @default the message heard
   */
  readonly startOf?: (conversationId: string, first: Message) => Promise<Cursor | null | undefined>;
}

/**
 * Turns what the socket delivers (possibly twice, out of order, with holes) into each conversation's messages in
 * `seq` order, exactly once: duplicates are dropped by `seq`, early ones wait, and a hole is filled from the REST
 * API with `after=`. A conversation seen for the first time starts where the server says it is.
 */
export class ConversationStreams {
  readonly #states = new Map<string, State>();
  readonly #fetchMissing: FetchMissing;
  readonly #deliver: (message: Message) => void;
  readonly #onError: (error: unknown) => void;
  readonly #retryDelay: (attempt: number) => number;
  readonly #options: ConversationStreamsOptions;
  #closed = false;
  #holding = false;

  constructor(
    fetchMissing: FetchMissing,
    deliver: (message: Message) => void,
    onError: (error: unknown) => void = () => {},
    options: ConversationStreamsOptions = {},
  ) {
    this.#fetchMissing = fetchMissing;
    this.#deliver = deliver;
    this.#onError = onError;
    this.#options = options;
    this.#retryDelay = options.retryDelay ?? ((attempt) => Math.min(30_000, 1000 * 2 ** attempt));
  }

  /** Stops pending retries (the client is closing). */
  close(): void {
    this.#closed = true;
    for (const state of this.#states.values()) clearTimeout(state.retry);
  }

  /** Starts a conversation at a message delivered earlier (by a previous client instance, from the store). */
  restore(conversationId: string, cursor: Cursor): void {
    if (!this.#states.has(conversationId)) this.#states.set(conversationId, { ...fresh(), lastSeq: cursor.seq, lastId: cursor.id });
  }

  /**
   * A conversation it has not seen yet turned out to have messages it missed (an agent's inbox after a drop):
   * deliver them from its first one.
   */
  async fromStart(conversationId: string): Promise<void> {
    const state = this.#states.get(conversationId);
    if (state?.anchored) return;
    if (state) {
      // Heard during the catch-up: what it heard waits in `ahead`, delivered after what the fill brings.
      state.anchored = true;
      state.lastSeq = 0;
      state.lastId = undefined;
    } else {
      this.#states.set(conversationId, fresh());
    }
    await this.fill(conversationId);
  }

  /**
   * A catch-up starts (a connection that lost its session): a conversation first heard of from now on may have
   * missed messages before the one heard, so nothing of it is delivered until `fromStart()` or `release()`.
   */
  hold(): void {
    this.#holding = true;
  }

  /** The catch-up is over: conversations it did not start from their first message start at the first one heard. */
  release(): void {
    this.#holding = false;
    for (const state of this.#states.values()) {
      if (state.anchored) continue;
      state.anchored = true;
      state.lastSeq = Math.min(...state.ahead.keys()) - 1;
      this.#drain(state);
    }
  }

  /** The conversations it tracks, with their last delivered message. */
  tracked(): Map<string, string | undefined> {
    return new Map([...this.#states].map(([id, state]) => [id, state.lastId]));
  }

  /** The last message delivered in a conversation, if any. */
  last(conversationId: string): { seq: number; id: string | undefined } | undefined {
    const state = this.#states.get(conversationId);
    return state ? { seq: state.lastSeq, id: state.lastId } : undefined;
  }

  /**
   * The server says the conversation's newest message is `lastMessageId` (join, auto-join, reconnect). Unknown
   * conversation: start from there. Known one: fetch whatever came after our last message.
   */
  async joined(conversationId: string, lastMessageId: string | null, lastSeq?: number): Promise<void> {
    const state = this.#states.get(conversationId);
    if (!state) {
      this.#states.set(conversationId, { ...fresh(), lastSeq: lastSeq ?? (lastMessageId ? Number.NaN : 0), lastId: lastMessageId ?? undefined });
      return;
    }
    if (lastMessageId !== null && lastMessageId !== state.lastId) await this.fill(conversationId);
  }

  /** A `message:new` from the socket. */
  received(message: Message): void {
    let state = this.#states.get(message.conversation_id);
    if (!state) {
      state = { ...fresh(), lastSeq: message.seq - 1, anchored: !this.#holding };
      this.#states.set(message.conversation_id, state);
      if (state.anchored && message.seq > 1 && this.#options.startOf) return this.#locateStart(message.conversation_id, state, message);
    }
    if (!state.anchored) {
      state.ahead.set(message.seq, message);
      return;
    }
    // Joined at a message whose seq we do not know yet: fetch what came after it, which sets the baseline.
    if (Number.isNaN(state.lastSeq)) {
      if (message.id === state.lastId) return;
      state.ahead.set(message.seq, message);
      if (!state.filling) void this.fill(message.conversation_id);
      return;
    }
    if (message.seq <= state.lastSeq) return; // seen
    if (message.seq === state.lastSeq + 1 && !state.filling) {
      this.#accept(state, message);
      this.#drain(state);
      return;
    }
    state.ahead.set(message.seq, message);
    if (!state.filling) void this.fill(message.conversation_id);
  }

  /** Fetches everything after the last delivered message and delivers it in order. */
  fill(conversationId: string): Promise<void> {
    const state = this.#states.get(conversationId);
    if (!state) return Promise.resolve();
    state.filling ??= (async () => {
      clearTimeout(state.retry);
      state.retry = undefined;
      const before = state.lastSeq;
      let failed = false;
      try {
        // Without a last message, the conversation was empty when it was joined (seq 0): fetch from its start.
        const after = state.lastId ?? (state.lastSeq === 0 ? null : undefined);
        const missing = after !== undefined ? await this.#fetchMissing(conversationId, after) : [];
        for (const message of missing) {
          if (Number.isNaN(state.lastSeq)) state.lastSeq = message.seq - 1;
          if (message.seq === state.lastSeq + 1) this.#accept(state, message);
        }
        state.failures = 0;
      } catch (error) {
        failed = true;
        this.#onError(error);
      } finally {
        state.filling = undefined;
      }
      this.#drain(state);
      if (this.#closed || (!failed && state.ahead.size === 0)) return;
      // A failed fetch, or a message that arrived during the fill still past a hole: fill again, at once when this
      // fill made progress, else on a timer. The hole stays until a fetch succeeds, with no later message needed.
      if (!failed && !Object.is(state.lastSeq, before)) void this.fill(conversationId);
      else state.retry = setTimeout(() => void this.fill(conversationId), this.#retryDelay(state.failures++));
    })();
    return state.filling;
  }

  /**
   * A conversation first heard past its first message: what arrives waits (an unknown `lastSeq`, as after a join)
   * until `startOf` says where the conversation starts for this client; then the gap up to the first message heard
   * is filled.
   */
  #locateStart(conversationId: string, state: State, first: Message): void {
    state.lastSeq = Number.NaN;
    state.ahead.set(first.seq, first);
    state.filling = (async () => {
      let start: Cursor | null | undefined;
      try {
        start = await this.#options.startOf!(conversationId, first);
      } catch (error) {
        this.#onError(error);
      }
      const firstHeard = Math.min(...state.ahead.keys());
      if (start === null) state.lastSeq = 0;
      else if (start && start.seq < firstHeard) [state.lastSeq, state.lastId] = [start.seq, start.id];
      else state.lastSeq = firstHeard - 1;
      state.filling = undefined;
    })().then(() => (state.lastSeq < Math.min(...state.ahead.keys()) - 1 ? this.fill(conversationId) : this.#drain(state)));
  }

  #accept(state: State, message: Message): void {
    state.lastSeq = message.seq;
    state.lastId = message.id;
    state.ahead.delete(message.seq);
    this.#deliver(message);
    this.#options.onCursor?.(message.conversation_id, { seq: message.seq, id: message.id });
  }

  #drain(state: State): void {
    for (const seq of [...state.ahead.keys()].sort((a, b) => a - b)) {
      if (seq <= state.lastSeq) state.ahead.delete(seq);
      else if (seq === state.lastSeq + 1) this.#accept(state, state.ahead.get(seq)!);
      else break;
    }
  }
}

function fresh(): State {
  return { lastSeq: 0, lastId: undefined, ahead: new Map(), filling: undefined, failures: 0, retry: undefined, anchored: true };
}
