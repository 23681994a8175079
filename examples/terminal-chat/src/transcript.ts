export interface TranscriptMessage {
  readonly id: string;
  readonly conversation_id: string;
  readonly seq: number;
  readonly body: string;
  readonly sender: string;
  readonly created_at: string;
}

/**
 * What the terminal shows: live messages once each (the SDK may deliver, as `message:new`, messages a history
 * already showed), and a conversation's history, in full and in `seq` order, before the live messages that arrive
 * while it loads.
 */
export class Transcript<M extends TranscriptMessage> {
  readonly #shown = new Set<string>();
  readonly #loading = new Map<string, M[]>();
  readonly #print: (message: M) => void;

  constructor(print: (message: M) => void) {
    this.#print = print;
  }

  /** A live message: shown now, or after the history of its conversation if that is loading. */
  live(message: M): void {
    const waiting = this.#loading.get(message.conversation_id);
    if (waiting) waiting.push(message);
    else this.#show(message);
  }

  /**
   * Shows the history `load` fetches (messages already shown live included: it is the conversation's context), then
   * the live messages that arrived meanwhile and are not in it. Resolves with the number of history messages.
   */
  async history(conversationId: string, load: () => Promise<readonly M[]>): Promise<number> {
    if (this.#loading.has(conversationId)) return 0;
    this.#loading.set(conversationId, []);
    let loaded: readonly M[] = [];
    try {
      loaded = [...(await load())].sort((a, b) => a.seq - b.seq);
    } finally {
      const waiting = this.#loading.get(conversationId) ?? [];
      this.#loading.delete(conversationId);
      for (const message of loaded) {
        this.#shown.add(message.id);
        this.#print(message);
      }
      for (const message of waiting.sort((a, b) => a.seq - b.seq)) this.#show(message);
    }
    return loaded.length;
  }

  #show(message: M): void {
    if (this.#shown.has(message.id)) return;
    this.#shown.add(message.id);
    this.#print(message);
  }
}
