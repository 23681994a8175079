import type { Socket } from 'socket.io-client';
import type { Message, ServerToSocketEvents, SocketToServerEvents } from '@switchboard/protocol';
import { fullJitterDelay } from './backoff.js';
import type { ClientState } from './client-state.js';
import { SendError } from './errors.js';
import { checkSend, SEND_LIMITS } from './limits.js';
import type { RealtimeClientOptions } from './realtime-types.js';
import { SendQueue } from './send-queue.js';

/** A server's retry hint longer than this is not believed. */
const MAX_HINT_MS = 60_000;

export interface SendPathOptions {
  readonly socket: Socket<ServerToSocketEvents, SocketToServerEvents>;
  readonly state: ClientState;
  readonly options: RealtimeClientOptions;
  /** Every acknowledged message (also sends a previous instance left in the store). */
  readonly onSent: (message: Message) => void;
  readonly onFailed: (error: SendError) => void;
}

/**
 * The way out for a message: the contract's checks (against the gateway's frame limit), then the send queue, which
 * emits `message:send` with an ack and retries with the same `local_id` until it is answered.
 */
export class SendPath {
  readonly queue: SendQueue;
  readonly #socket: SendPathOptions['socket'];
  readonly #fallbackMaxPayload: number;

  constructor({ socket, state, options, onSent, onFailed }: SendPathOptions) {
    this.#socket = socket;
    this.#fallbackMaxPayload = options.maxPayloadBytes ?? SEND_LIMITS.maxPayloadBytes;
    const ackTimeout = options.ackTimeoutMs ?? 10_000;
    const unavailableMax = options.unavailableRetryMaxMs ?? 1000;
    this.queue = new SendQueue({
      state,
      retryDelay: (attempt) => fullJitterDelay(attempt, options.backoff),
      unavailableDelay: (attempt, hintMs) =>
        hintMs !== undefined && hintMs > 0 ? Math.min(hintMs, MAX_HINT_MS) : fullJitterDelay(attempt, { baseMs: 250, maxMs: unavailableMax }),
      ...(options.maxDropsPerSend !== undefined ? { maxDrops: options.maxDropsPerSend } : {}),
      onFailed,
      // The stored message goes through the conversation's stream like any other: once, in order (also the sends
      // a previous instance left in the store).
      onSent,
      transmit: (pending) =>
        socket.timeout(ackTimeout).emitWithAck('message:send', {
          conversation_id: pending.conversationId,
          body: pending.body,
          local_id: pending.localId,
        }),
    });
  }

  /** The contract's limits, checked before queueing: a `VALIDATION_FAILED` error, or nothing. */
  check(conversationId: string, body: string, localId: string): SendError | undefined {
    const problems = checkSend({ conversationId, body, localId }, this.#maxPayloadBytes());
    if (problems.length === 0) return undefined;
    const message = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return new SendError({ code: 'VALIDATION_FAILED', message, fields: problems }, { conversationId, localId });
  }

  #maxPayloadBytes(): number {
    // engine.io-client keeps the handshake's `maxPayload` on the engine (a private field: read defensively).
    const fromHandshake = (this.#socket.io.engine as unknown as { _maxPayload?: unknown } | undefined)?._maxPayload;
    if (typeof fromHandshake === 'number' && fromHandshake > 0) return fromHandshake;
    return this.#fallbackMaxPayload;
  }
}
