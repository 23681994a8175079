import type { Message } from '@switchboard/protocol';

/** Fetches every message strictly after `afterId` (all pages), ascending `seq`. */
export type FetchMissing = (conversationId: string, afterId: string) => Promise<Message[]>;

interface State {
  lastSeq: number;
  lastId: string | undefined;
  /** Messages that arrived ahead of a gap, by seq. */
  readonly ahead: Map<number, Message>;
  filling: Promise<void> | undefined;
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

  constructor(fetchMissing: FetchMissing, deliver: (message: Message) => void, onError: (error: unknown) => void = () => {}) {
    this.#fetchMissing = fetchMissing;
    this.#deliver = deliver;
    this.#onError = onError;
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
      this.#states.set(conversationId, { lastSeq: lastSeq ?? (lastMessageId ? Number.NaN : 0), lastId: lastMessageId ?? undefined, ahead: new Map(), filling: undefined });
      return;
    }
    if (lastMessageId !== null && lastMessageId !== state.lastId) await this.fill(conversationId);
  }

  /** A `message:new` from the socket. */
  received(message: Message): void {
    let state = this.#states.get(message.conversation_id);
    if (!state) {
      state = { lastSeq: message.seq - 1, lastId: undefined, ahead: new Map(), filling: undefined };
      this.#states.set(message.conversation_id, state);
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
      try {
        // A state always knows its last message once anything was delivered or joined.
        const missing = state.lastId ? await this.#fetchMissing(conversationId, state.lastId) : [];
        for (const message of missing) {
          if (Number.isNaN(state.lastSeq)) state.lastSeq = message.seq - 1;
          if (message.seq === state.lastSeq + 1) this.#accept(state, message);
        }
      } catch (error) {
        this.#onError(error);
      } finally {
        state.filling = undefined;
      }
      this.#drain(state);
      // Still a hole (the fetch failed, or more came): try again later through the next message or join.
    })();
    return state.filling;
  }

  #accept(state: State, message: Message): void {
    state.lastSeq = message.seq;
    state.lastId = message.id;
    state.ahead.delete(message.seq);
    this.#deliver(message);
  }

  #drain(state: State): void {
    for (const seq of [...state.ahead.keys()].sort((a, b) => a - b)) {
      if (seq <= state.lastSeq) state.ahead.delete(seq);
      else if (seq === state.lastSeq + 1) this.#accept(state, state.ahead.get(seq)!);
      else break;
    }
  }
}
