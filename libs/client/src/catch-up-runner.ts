import type { ConversationStreams } from './conversation-stream.js';
import type { CatchUpGap } from './realtime-types.js';

export interface CatchUpRunnerOptions {
  readonly streams: ConversationStreams;
  /** The subclass's catch-up (an agent walks the conversation list). */
  readonly catchUp: (gap: CatchUpGap) => Promise<void>;
  /** When the first connection opened and the last one ended (client clock). */
  readonly firstConnectedAt: () => number | undefined;
  readonly droppedAt: () => number | undefined;
  /** Whether `connection` (a socket id) is still the live connection. */
  readonly isCurrent: (connection: string | undefined) => boolean;
  readonly onError: (error: unknown) => void;
}

/**
 * Catch-up after a connection that did not recover its session, for a client that does not re-join its
 * conversations: runs the subclass's catch-up with what it tracks; a failure is reported and retried on a timer
 * (exponential, at most 30 s) while that connection lasts.
 */
export class CatchUpRunner {
  readonly #options: CatchUpRunnerOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CatchUpRunnerOptions) {
    this.#options = options;
  }

  run(connection: string | undefined, attempt = 0): void {
    const { streams } = this.#options;
    const since = this.#options.droppedAt();
    if (since === undefined && streams.tracked().size === 0) return; // a new instance: nothing missed
    const gap: CatchUpGap = {
      tracked: streams.tracked(),
      since,
      firstConnectedAt: this.#options.firstConnectedAt(),
      moved: (id, lastMessageId) => void streams.joined(id, lastMessageId),
      appeared: (id) => void streams.fromStart(id),
    };
    streams.hold();
    this.#options.catchUp(gap).then(
      () => streams.release(),
      (error) => {
        // Conversations first heard of meanwhile start where they were heard; the tracked ones are tried again.
        streams.release();
        this.#options.onError(error);
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => {
          if (this.#options.isCurrent(connection)) this.run(connection, attempt + 1);
        }, Math.min(30_000, 1000 * 2 ** attempt));
      },
    );
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
