import { io, type Socket } from 'socket.io-client';
// Values from the zod-free entry, so a browser bundle does not pull zod in.
import { SOCKET_PATH } from '@switchboard/protocol/socket-events';
import type {
  AckError,
  AckResult,
  ConversationJoinedPayload,
  ErrorCode,
  EventAckResult,
  EventPayload,
  Message,
  ServerShutdownPayload,
  ServerToSocketEvents,
  SocketToServerEvents,
} from '@switchboard/protocol';
import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import { ClientState } from './client-state.js';
import { connectErrorCause, CREDENTIAL_CODES, isFatal } from './connection-cause.js';
import { ConversationStreams } from './conversation-stream.js';
import { Emitter } from './emitter.js';
import { SendError, type ConnectionCause, type ConnectionErrorCode } from './errors.js';
import { checkSend, SEND_LIMITS } from './limits.js';
import type { RestApi } from './rest.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import { SendQueue } from './send-queue.js';
import { createMemoryStore, type ClientStore } from './store.js';
import { TypingDebouncer, type TypingDebouncerOptions } from './typing-debouncer.js';

/**
 * - `idle`: made, `connect()` not called yet; `connecting`: a connection attempt is under way;
 * - `connected`; `waiting`: the next attempt is scheduled (`reconnecting` said when and why);
 * - `disconnected`: `disconnect()` was called (sends queue up; `connect()` goes on);
 * - `closed`: for good: `close()`, refused credentials (`unauthorized`), or a connection that cannot work (`failed`).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'disconnected' | 'closed';

/** Events the SDK adds to the server's. */
export interface ClientLifecycleEvents {
  /** The socket is connected (again). `recovered`: the server restored the session (rooms, missed events). */
  connect: (info: { recovered: boolean }) => void;
  disconnect: (reason: string) => void;
  /** The next connection attempt is in `delayMs` (backoff, or the server's `reconnect_delay_ms` hint); `cause`: why the last one ended. */
  reconnecting: (info: { delayMs: number; attempt: number; cause: ConnectionCause }) => void;
  /** The server refused the credentials (`MISSING_PARAMS`, `INVALID_CREDENTIALS`, `TOKEN_EXPIRED`): the client is closed. */
  unauthorized: (error: { code: ConnectionErrorCode; message: string }) => void;
  /** The connection cannot work (the handshake is refused with a 4xx: wrong URL, path or transport): the client is closed. */
  failed: (cause: ConnectionCause) => void;
  /** A queued send failed for good (refused by the server, or it kept killing the connection) and left the queue. */
  'send:failed': (error: SendError) => void;
  /** Catching up over REST failed; it is tried again on a timer, at the next message or reconnect. */
  'sync:error': (error: unknown) => void;
}

export interface RealtimeClientOptions {
  /** The gateway's base URL, e.g. `https://chat.example.com` (the socket path `/v1/socket.io` is added). */
  readonly url: string;
  /**
   * Keeps unacknowledged sends and each conversation's last delivered message. A durable one (localStorage, a
   * folder) lets the next client instance send what this one could not and catch up on what it missed.
   * @default createMemoryStore()
   */
  readonly store?: ClientStore;
  /** Reconnect backoff (full jitter). @default { baseMs: 500, maxMs: 30000 } */
  readonly backoff?: BackoffOptions;
  /** The reconnect backoff starts over only once a connection stayed up this long. @default 10000 */
  readonly stableAfterMs?: number;
  /** How long a send waits for its ack before it is retried. @default 10000 */
  readonly ackTimeoutMs?: number;
  /** Largest delay before retrying a send the server answered `UNAVAILABLE` or `RATE_LIMITED` (unless it hints longer). @default 1000 */
  readonly unavailableRetryMaxMs?: number;
  /** A send in flight when the connection dropped this many times in a row fails with `CONNECTION_LOST`. @default 3 */
  readonly maxDropsPerSend?: number;
  /** The server's `MAX_PAYLOAD_BYTES`, until its handshake says otherwise. @default 65536 */
  readonly maxPayloadBytes?: number;
  /** Extra delay added to the server's `reconnect_delay_ms` hint, at most. @default 1000 */
  readonly shutdownJitterMs?: number;
  readonly typing?: TypingDebouncerOptions;
  /** @default ['websocket'] */
  readonly transports?: ('websocket' | 'polling')[];
}

/** What a client that does not re-join its conversations catches up on after a connection lost its session. */
export interface CatchUpGap {
  readonly tracked: ReadonlyMap<string, string | undefined>;
  readonly since: number | undefined;
  /** When this instance first connected (client clock): conversations quiet since before then are not its news. */
  readonly firstConnectedAt: number | undefined;
  moved(conversationId: string, lastMessageId: string): void;
  appeared(conversationId: string): void;
}

/** What a subclass says about its identity. */
export interface RealtimeIdentity {
  readonly namespace: '/client' | '/admin';
  readonly auth: Record<string, string>;
  /** Where its state lives in the store, e.g. `client:<app>:<device>`. */
  readonly scope: string;
  /** Join the conversations known from the store on connect (a device's own), rather than catch up another way. */
  readonly rejoinKnown: boolean;
}

/**
 * What devices and agents share: their own socket with reconnects under our control (exponential backoff with
 * full jitter, the server's shutdown hint first), a send queue with retries, per-conversation ordering with gap
 * fill, catch-up across instances through the store, and typing debounce. Subclasses name the namespace, the
 * credentials and the REST calls.
 */
export abstract class RealtimeClient<
  ServerEvents extends { [K in keyof ServerEvents]: (...args: any[]) => void },
  ClientEvents extends SocketToServerEvents = SocketToServerEvents,
> extends Emitter<ServerEvents & ClientLifecycleEvents> {
  /**
   * Typed with the protocol's event maps of what both namespaces share (the gateway uses the same); a subclass's
   * own events go through `request`, typed with its namespace's map (`ClientEvents`).
   */
  protected readonly socket: Socket<ServerToSocketEvents, SocketToServerEvents>;
  protected readonly rest: RestApi;
  readonly #options: RealtimeClientOptions;
  readonly #identity: RealtimeIdentity;
  readonly #queue: SendQueue;
  readonly #streams: ConversationStreams;
  readonly #typing: TypingDebouncer;
  readonly #joined = new Set<string>();
  /** Rejecters of requests waiting for their ack, settled by `close()`. */
  readonly #requests = new Set<(error: Error) => void>();
  /** The store's cursors are loaded (before the first connection, so catch-up starts where the last instance was). */
  readonly #ready: Promise<void>;
  readonly #reconnect: ReconnectPolicy;
  readonly #store: ClientState;
  #state: ConnectionState = 'idle';
  #connectionId: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first connection opened and the last one ended (for catch-up). */
  #firstConnectedAt: number | undefined;
  #catchUpTimer: ReturnType<typeof setTimeout> | undefined;
  #droppedAt: number | undefined;
  /** A credential `error` the server sent before it disconnected us (revoked credentials, expired token). */
  #credentialError: AckError | undefined;

  protected constructor(identity: RealtimeIdentity, rest: RestApi, options: RealtimeClientOptions) {
    super();
    this.#options = options;
    this.#identity = identity;
    this.rest = rest;
    this.socket = io(new URL(identity.namespace, options.url).toString(), {
      path: SOCKET_PATH,
      auth: identity.auth,
      transports: options.transports ?? ['websocket'],
      autoConnect: false,
      // Reconnection is ours: full jitter, and the server's shutdown hint.
      reconnection: false,
      // A ChatClient and an AgentClient for the same URL in one process must not share one connection.
      forceNew: true,
    });
    this.#reconnect = new ReconnectPolicy({
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.stableAfterMs !== undefined ? { stableAfterMs: options.stableAfterMs } : {}),
      ...(options.shutdownJitterMs !== undefined ? { shutdownJitterMs: options.shutdownJitterMs } : {}),
    });
    const state = new ClientState(options.store ?? createMemoryStore(), identity.scope);
    this.#store = state;
    const ackTimeout = options.ackTimeoutMs ?? 10_000;
    const unavailableMax = options.unavailableRetryMaxMs ?? 1000;
    this.#streams = new ConversationStreams(
      (conversationId, afterId) => this.rest.messagesAfter(conversationId, afterId),
      (message) => this.#emitAny('message:new', message),
      (error) => this.#emitAny('sync:error', error),
      { onCursor: (conversationId, cursor) => void state.saveCursor(conversationId, cursor).catch((error) => this.#emitAny('sync:error', error)) },
    );
    this.#queue = new SendQueue({
      state,
      retryDelay: (attempt) => fullJitterDelay(attempt, options.backoff),
      unavailableDelay: (attempt, hintMs) =>
        hintMs !== undefined && hintMs > 0 ? Math.min(hintMs, MAX_HINT_MS) : fullJitterDelay(attempt, { baseMs: 250, maxMs: unavailableMax }),
      ...(options.maxDropsPerSend !== undefined ? { maxDrops: options.maxDropsPerSend } : {}),
      onFailed: (error) => this.#emitAny('send:failed', error),
      // The stored message goes through the conversation's stream like any other: once, in order (also the sends
      // a previous instance left in the store).
      onSent: (message) => this.#streams.received(message),
      transmit: (pending) =>
        this.socket.timeout(ackTimeout).emitWithAck('message:send', {
          conversation_id: pending.conversationId,
          body: pending.body,
          local_id: pending.localId,
        }),
    });
    this.#ready = state.loadCursors().then(
      (cursors) => {
        for (const [conversationId, cursor] of cursors) {
          this.#streams.restore(conversationId, cursor);
          if (identity.rejoinKnown) this.#joined.add(conversationId);
        }
      },
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

  /**
   * Connects, and keeps reconnecting until `disconnect()` or `close()`. Call it again after `disconnect()` (the app
   * comes back to the foreground). Throws once the client is closed.
   */
  connect(): this {
    if (this.#state === 'closed') throw closedError();
    if (this.#state === 'idle' || this.#state === 'waiting' || this.#state === 'disconnected') {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#open();
    }
    return this;
  }

  /**
   * Goes offline until `connect()` (the app goes to the background): no reconnects; sends wait in the queue, and
   * their promises stay pending. The server ends this session, so the next `connect()` catches up over REST.
   */
  disconnect(): this {
    if (this.#state === 'closed') return this;
    this.#state = 'disconnected';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#typing.close();
    this.#queue.pause({ dropped: false }); // not the sends' fault
    this.socket.disconnect();
    return this;
  }

  /**
   * Closes for good: no reconnect, and every pending promise settles at once: unacknowledged sends reject with a
   * `SendError` `CLIENT_CLOSED` (`kept: true` when a durable store keeps them for the next instance). Resolves once
   * what it wrote to the store is there (await it before another instance opens the same store).
   */
  close(): Promise<void> {
    this.#shutdown();
    return this.#store.flush();
  }

  /**
   * Sends a message and resolves with the stored one. It is checked against the contract's limits first
   * (`VALIDATION_FAILED`), queued while offline and retried until the server acknowledges it, always with the same
   * `local_id`, so it is stored once. Rejects with a `SendError` when the server refuses it, when it keeps killing
   * the connection (`CONNECTION_LOST`) or when the client closes (`CLIENT_CLOSED`).
   */
  send(conversationId: string, body: string, options: { localId?: string } = {}): Promise<Message> {
    const localId = options.localId ?? globalThis.crypto.randomUUID();
    if (this.#state === 'closed') {
      return Promise.reject(new SendError({ code: 'CLIENT_CLOSED', message: 'the client is closed' }, { conversationId, localId }));
    }
    const problems = checkSend({ conversationId, body, localId }, this.#maxPayloadBytes());
    if (problems.length > 0) {
      const message = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      return Promise.reject(new SendError({ code: 'VALIDATION_FAILED', message, fields: problems }, { conversationId, localId }));
    }
    this.#typing.stop(conversationId);
    return this.#queue.send(conversationId, body, localId);
  }

  /** Joins a conversation's room; the client re-joins it after a reconnect that did not recover the session. */
  async join(conversationId: string): Promise<{ last_message_id: string | null }> {
    const ack = await this.#ask('conversation:join', { conversation_id: conversationId });
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

  /**
   * Emits an event with an ack and resolves with the successful ack; rejects with an `Error` carrying the ack's
   * `code`. Sent when connected (it waits while offline); `CLIENT_CLOSED` when the client is or gets closed.
   */
  protected request<E extends AckedEvent<ClientEvents>>(event: E, payload: EventPayload<ClientEvents[E]>): Promise<AckFields<ClientEvents[E]>> {
    return this.#request(event, payload);
  }

  /** `request` for what both namespaces accept. */
  #ask<E extends AckedEvent<SocketToServerEvents>>(event: E, payload: EventPayload<SocketToServerEvents[E]>): Promise<AckFields<SocketToServerEvents[E]>> {
    return this.#request(event, payload);
  }

  #request<T extends object>(event: string, payload: unknown): Promise<T> {
    if (this.#state === 'closed') return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.#requests.add(reject);
      // Socket.IO's typings cannot resolve a generic event's parameters; the signature above is the typed one.
      const socket: Socket = this.socket as Socket;
      (socket.emitWithAck(event, payload) as Promise<AckResult<T>>)
        .then((ack) => {
          if (!ack.success) throw Object.assign(new Error(ack.error.message), { code: ack.error.code satisfies ErrorCode });
          resolve(ack);
        })
        .catch(reject)
        .finally(() => this.#requests.delete(reject));
    });
  }

  /**
   * After a connection that did not recover the session, for a client that does not re-join its conversations.
   * `gap.tracked`: the conversations it tracks and the last message it delivered in each; `gap.since`: when the
   * previous connection ended (client clock), unknown for a new instance. Report each tracked conversation whose
   * newest message moved with `moved`, and each untracked one with messages since the drop with `appeared`: the
   * client fills them.
   */
  protected catchUp(_gap: CatchUpGap): Promise<void> {
    return Promise.resolve();
  }

  /** Server events pass through by name; the map types them for listeners, not for this relay. */
  #emitAny(event: string, ...args: unknown[]): void {
    (this.emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  #maxPayloadBytes(): number {
    // engine.io-client keeps the handshake's `maxPayload` on the engine (a private field: read defensively).
    const fromHandshake = (this.socket.io.engine as unknown as { _maxPayload?: unknown } | undefined)?._maxPayload;
    if (typeof fromHandshake === 'number' && fromHandshake > 0) return fromHandshake;
    return this.#options.maxPayloadBytes ?? SEND_LIMITS.maxPayloadBytes;
  }

  #open(): void {
    this.#state = 'connecting';
    void this.#ready.then(() => {
      if (this.#state === 'connecting') this.socket.connect();
    });
  }

  /** Ends the client for good; every pending promise settles. */
  #shutdown(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    clearTimeout(this.#catchUpTimer);
    this.#reconnect.close();
    this.#typing.close();
    this.#queue.close();
    this.#streams.close();
    for (const reject of this.#requests) reject(closedError());
    this.#requests.clear();
    this.socket.disconnect();
  }

  /** Runs the subclass's catch-up for this connection; a failure is reported and retried while it lasts. */
  #catchUp(connection: string | undefined, attempt: number): void {
    if (this.#droppedAt === undefined && this.#streams.tracked().size === 0) return; // a new instance: nothing missed
    const gap: CatchUpGap = {
      tracked: this.#streams.tracked(),
      since: this.#droppedAt,
      firstConnectedAt: this.#firstConnectedAt,
      moved: (id, lastMessageId) => void this.#streams.joined(id, lastMessageId),
      appeared: (id) => void this.#streams.fromStart(id),
    };
    this.#streams.hold();
    this.catchUp(gap).then(
      () => this.#streams.release(),
      (error) => {
        // Conversations first heard of meanwhile start where they were heard; the tracked ones are tried again.
        this.#streams.release();
        this.#emitAny('sync:error', error);
        clearTimeout(this.#catchUpTimer);
        this.#catchUpTimer = setTimeout(() => {
          if (this.socket.connected && this.socket.id === connection) this.#catchUp(connection, attempt + 1);
        }, Math.min(30_000, 1000 * 2 ** attempt));
      },
    );
  }

  #scheduleReconnect(cause: ConnectionCause): void {
    if (this.#state === 'closed' || this.#state === 'disconnected') return;
    const { delayMs, attempt } = this.#reconnect.next();
    this.#state = 'waiting';
    this.#emitAny('reconnecting', { delayMs, attempt, cause });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#open(), delayMs);
  }

  #wire(): void {
    const socket = this.socket;
    const emit = (event: string, ...args: unknown[]) => this.#emitAny(event, ...args);
    socket.on('connect', () => {
      this.#state = 'connected';
      this.#firstConnectedAt ??= Date.now();
      this.#credentialError = undefined;
      this.#reconnect.connected();
      if (!socket.recovered) {
        for (const id of this.#joined) socket.emit('conversation:join', { conversation_id: id });
        if (!this.#identity.rejoinKnown) this.#catchUp(socket.id, 0);
      }
      this.#queue.resume();
      emit('connect', { recovered: socket.recovered });
    });
    socket.on('disconnect', (reason) => {
      this.#droppedAt = Date.now();
      this.#reconnect.dropped();
      this.#queue.pause();
      emit('disconnect', reason);
      if (reason === 'io client disconnect') return; // disconnect() or close()
      if (reason === 'io server disconnect') {
        // The server ended this session on purpose: after an `error` with a credential code (revoked key, expired
        // token), the credentials are refused; otherwise it does not want this client back either.
        const error = this.#credentialError;
        this.#shutdown();
        if (error) emit('unauthorized', { code: error.code, message: error.message });
        else emit('failed', { code: 'SERVER_DISCONNECT', message: 'the server closed the connection' });
        return;
      }
      this.#scheduleReconnect({ code: 'TRANSPORT_ERROR', message: reason });
    });
    socket.on('connect_error', (error: Error & { data?: { code?: unknown; message?: unknown }; description?: unknown }) => {
      if (this.#state === 'closed' || this.#state === 'disconnected') return;
      const cause = connectErrorCause(error);
      if (CREDENTIAL_CODES.has(cause.code)) {
        this.#shutdown();
        emit('unauthorized', { code: cause.code, message: cause.message });
        return;
      }
      if (isFatal(cause)) {
        this.#shutdown();
        emit('failed', cause);
        return;
      }
      this.#scheduleReconnect(cause);
    });
    socket.on('server:shutdown', (payload: ServerShutdownPayload) => {
      this.#reconnect.hint(payload.reconnect_delay_ms);
      emit('server:shutdown', payload);
    });
    socket.on('error', (payload: AckError) => {
      if (CREDENTIAL_CODES.has(payload.code)) this.#credentialError = payload;
      emit('error', payload);
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

/** The events of a map that take an ack with a result (every one but `ping`). */
type AckedEvent<Events> = Exclude<keyof Events & string, 'ping'>;
/** What a successful ack of an event carries besides `success: true`. */
type AckFields<F> = EventAckResult<F> extends void ? object : EventAckResult<F>;

function closedError(): Error & { code: 'CLIENT_CLOSED' } {
  return Object.assign(new Error('the client is closed; make a new one'), { code: 'CLIENT_CLOSED' as const });
}

/** A server's retry hint longer than this is not believed. */
const MAX_HINT_MS = 60_000;

const HANDLED = new Set(['server:shutdown', 'conversation:joined', 'message:new', 'connected', 'error']);
