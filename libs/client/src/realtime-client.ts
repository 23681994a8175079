import { io, type Socket } from 'socket.io-client';
// Values from the zod-free entry, so a browser bundle does not pull zod in.
import { SOCKET_PATH } from '@switchboard/protocol/socket-events';
import type { Ack, AckResult, ConversationJoinedPayload, Message, ServerShutdownPayload } from '@switchboard/protocol';
import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import { ConversationStreams } from './conversation-stream.js';
import { Emitter } from './emitter.js';
import type { RestApi } from './rest.js';
import { createMemorySendStore, SendQueue, type SendStore } from './send-queue.js';
import { TypingDebouncer, type TypingDebouncerOptions } from './typing-debouncer.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closed';

/** Events the SDK adds to the server's. */
export interface ClientLifecycleEvents {
  /** The socket is connected (again). `recovered`: the server restored the session (rooms, missed events). */
  connect: (info: { recovered: boolean }) => void;
  disconnect: (reason: string) => void;
  /** The next connection attempt is in `delayMs` (backoff, or the server's `reconnect_delay_ms` hint). */
  reconnecting: (info: { delayMs: number; attempt: number }) => void;
  /** The server refused the credentials: the client stops (`MISSING_PARAMS`, `INVALID_CREDENTIALS`). */
  unauthorized: (error: { code: string; message: string }) => void;
  /** Catching up over REST failed; it is tried again at the next message or reconnect. */
  'sync:error': (error: unknown) => void;
}

export interface RealtimeClientOptions {
  /** The gateway's base URL, e.g. `https://chat.example.com` (the socket path `/v1/socket.io` is added). */
  readonly url: string;
  /** Unacknowledged sends survive here. @default in memory */
  readonly store?: SendStore;
  readonly backoff?: BackoffOptions;
  /** How long a send waits for its ack before it is retried. @default 10000 */
  readonly ackTimeoutMs?: number;
  /** Extra delay added to the server's `reconnect_delay_ms` hint, at most. @default 1000 */
  readonly shutdownJitterMs?: number;
  readonly typing?: TypingDebouncerOptions;
  /** @default ['websocket'] */
  readonly transports?: ('websocket' | 'polling')[];
}

/**
 * What devices and agents share: one socket with reconnects under our control (exponential backoff with full
 * jitter, the server's shutdown hint first), an offline send queue with retries, per-conversation ordering with
 * gap fill, and typing debounce. Subclasses name the namespace, the credentials and the REST calls.
 */
export abstract class RealtimeClient<ServerEvents extends { [K in keyof ServerEvents]: (...args: any[]) => void }> extends Emitter<ServerEvents & ClientLifecycleEvents> {
  protected readonly socket: Socket;
  protected readonly rest: RestApi;
  readonly #options: RealtimeClientOptions;
  readonly #queue: SendQueue;
  readonly #streams: ConversationStreams;
  readonly #typing: TypingDebouncer;
  readonly #joined = new Set<string>();
  #state: ConnectionState = 'idle';
  #connectionId: string | undefined;
  #attempt = 0;
  #hintMs: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  protected constructor(namespace: '/client' | '/admin', auth: Record<string, string>, rest: RestApi, options: RealtimeClientOptions) {
    super();
    this.#options = options;
    this.rest = rest;
    this.socket = io(new URL(namespace, options.url).toString(), {
      path: SOCKET_PATH,
      auth,
      transports: options.transports ?? ['websocket'],
      autoConnect: false,
      // Reconnection is ours: full jitter, and the server's shutdown hint.
      reconnection: false,
    });
    const ackTimeout = options.ackTimeoutMs ?? 10_000;
    this.#queue = new SendQueue({
      store: options.store ?? createMemorySendStore(),
      retryDelay: (attempt) => fullJitterDelay(attempt, options.backoff),
      transmit: (pending) =>
        this.socket.timeout(ackTimeout).emitWithAck('message:send', {
          conversation_id: pending.conversationId,
          body: pending.body,
          local_id: pending.localId,
        }),
    });
    this.#streams = new ConversationStreams(
      (conversationId, afterId) => this.rest.messagesAfter(conversationId, afterId),
      (message) => this.#emitAny('message:new', message),
      (error) => this.#emitAny('sync:error', error),
    );
    this.#typing = new TypingDebouncer((conversationId, isTyping) => {
      if (this.socket.connected) this.socket.emit(isTyping ? 'typing:start' : 'typing:stop', { conversation_id: conversationId });
    }, options.typing);
    this.#wire();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The server's id of the current connection (`connected.connection_id`), as listed by `sessions:list`. */
  get connectionId(): string | undefined {
    return this.socket.connected ? this.#connectionId : undefined;
  }

  /** Messages sent but not yet acknowledged (they are retried until they are). */
  get pendingSends() {
    return this.#queue.pending;
  }

  connect(): this {
    if (this.#state === 'idle' || this.#state === 'waiting') this.#open();
    return this;
  }

  /** Closes for good: no reconnect; unacknowledged sends stay in the store. */
  close(): void {
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#typing.close();
    this.#queue.close();
    this.#streams.close();
    this.socket.disconnect();
  }

  /**
   * Sends a message and resolves with the stored one. It is queued while offline and retried until the server
   * acknowledges it, always with the same `local_id`, so it is stored once.
   */
  send(conversationId: string, body: string, options: { localId?: string } = {}): Promise<Message> {
    this.#typing.stop(conversationId);
    return this.#queue.send(conversationId, body, options.localId);
  }

  /** Joins a conversation's room; the client re-joins it after a reconnect that did not recover the session. */
  async join(conversationId: string): Promise<{ last_message_id: string | null }> {
    const ack: AckResult<{ last_message_id: string | null }> = await this.socket.emitWithAck('conversation:join', { conversation_id: conversationId });
    if (!ack.success) throw Object.assign(new Error(ack.error.message), { code: ack.error.code });
    this.#joined.add(conversationId);
    return { last_message_id: ack.last_message_id };
  }

  leave(conversationId: string): void {
    this.#joined.delete(conversationId);
    this.socket.emit('conversation:leave', { conversation_id: conversationId });
  }

  /** Call on each keystroke: `typing:start` at most every 2 s, `typing:stop` after 3 s idle. */
  typing(conversationId: string): void {
    this.#typing.typing(conversationId);
  }

  stopTyping(conversationId: string): void {
    this.#typing.stop(conversationId);
  }

  /** The last message delivered in order for a conversation. */
  lastDelivered(conversationId: string) {
    return this.#streams.last(conversationId);
  }

  protected request<T extends object>(event: string, payload: unknown): Promise<T> {
    return (this.socket.emitWithAck as (e: string, p: unknown) => Promise<AckResult<T>>)(event, payload).then((ack) => {
      if (!ack.success) throw Object.assign(new Error(ack.error.message), { code: ack.error.code });
      return ack as T;
    });
  }

  /** Server events pass through by name; the map types them for listeners, not for this relay. */
  #emitAny(event: string, ...args: unknown[]): void {
    (this.emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  #open(): void {
    this.#state = 'connecting';
    this.socket.connect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed') return;
    const attempt = this.#attempt++;
    const delayMs =
      this.#hintMs !== undefined
        ? this.#hintMs + Math.floor(Math.random() * (this.#options.shutdownJitterMs ?? 1000))
        : fullJitterDelay(attempt, this.#options.backoff);
    this.#hintMs = undefined;
    this.#state = 'waiting';
    this.#emitAny('reconnecting', { delayMs, attempt });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#open(), delayMs);
  }

  #wire(): void {
    const socket = this.socket;
    const emit = (event: string, ...args: unknown[]) => this.#emitAny(event, ...args);
    socket.on('connect', () => {
      this.#state = 'connected';
      this.#attempt = 0;
      if (!socket.recovered) for (const id of this.#joined) socket.emit('conversation:join', { conversation_id: id });
      this.#queue.resume();
      emit('connect', { recovered: socket.recovered });
    });
    socket.on('disconnect', (reason) => {
      this.#queue.pause();
      emit('disconnect', reason);
      // Our own close() or the server's explicit disconnect: stay down.
      if (reason === 'io client disconnect' || reason === 'io server disconnect') {
        if (this.#state !== 'closed') this.#state = 'closed';
        return;
      }
      this.#scheduleReconnect();
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
      if (error.message === 'INVALID_CREDENTIALS' || error.message === 'MISSING_PARAMS') {
        this.#state = 'closed';
        emit('unauthorized', { code: error.message, message: error.data?.message ?? error.message });
        return;
      }
      this.#scheduleReconnect();
    });
    socket.on('server:shutdown', (payload: ServerShutdownPayload) => {
      this.#hintMs = Math.max(0, payload.reconnect_delay_ms);
      emit('server:shutdown', payload);
    });
    socket.on('conversation:joined', (payload: ConversationJoinedPayload) => {
      // Auto-joined conversations count as joined: they are joined again after a reconnect that was not recovered.
      this.#joined.add(payload.conversation_id);
      emit('conversation:joined', payload);
      void this.#streams.joined(payload.conversation_id, payload.last_message_id);
    });
    socket.on('message:new', (message: Message) => this.#streams.received(message));
    socket.on('connected', (payload: { connection_id: string }) => {
      this.#connectionId = payload.connection_id;
      emit('connected', payload);
    });
    // Every other server event passes through as it came.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (!HANDLED.has(event)) emit(event, ...args);
    });
  }
}

const HANDLED = new Set(['server:shutdown', 'conversation:joined', 'message:new', 'connected']);

export type { Ack };
