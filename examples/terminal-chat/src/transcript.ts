export interface TranscriptMessage {
  readonly id: string;
  readonly conversation_id: string;
  readonly seq: number;
  readonly body: string;
  readonly sender: string;
  readonly created_at: string;
}

/**
 * What the terminal has shown: each message once, a conversation's history before the live messages that arrive
 * while it loads (the SDK may also deliver, as `message:new`, messages the history already holds).
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

  /** Shows the history `load` fetches (in `seq` order), then the live messages that arrived meanwhile. */
  async history(conversationId: string, load: () => Promise<readonly M[]>): Promise<number> {
    if (this.#loading.has(conversationId)) return 0;
    this.#loading.set(conversationId, []);
    let loaded: readonly M[] = [];
    try {
      loaded = await load();
    } finally {
      const waiting = this.#loading.get(conversationId) ?? [];
      this.#loading.delete(conversationId);
      for (const message of [...loaded, ...waiting].sort((a, b) => a.seq - b.seq)) this.#show(message);
    }
    return loaded.length;
  }

  #show(message: M): void {
    if (this.#shown.has(message.id)) return;
    this.#shown.add(message.id);
    this.#print(message);
  }
}
