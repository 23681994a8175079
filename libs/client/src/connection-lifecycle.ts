import type { Socket } from 'socket.io-client';
import type { AckError } from '@switchboard/protocol';
import { connectErrorCause, CREDENTIAL_CODES, isFatal } from './connection-cause.js';
import type { ConnectionCause } from './errors.js';
import type { ConnectionState } from './realtime-types.js';
import { ReconnectPolicy, type ReconnectPolicyOptions } from './reconnect-policy.js';

/** What the client does at each step of its connection's life. */
export interface LifecycleHooks {
  /** Resolves once the client may open its first connection (the store's cursors are loaded). */
  readonly ready: Promise<void>;
  /**
   * Before each connection attempt: get what the handshake needs (a token). A rejection is retried with the
   * backoff, `reconnecting` saying `TOKEN_UNAVAILABLE`.
   */
  readonly beforeConnect: () => Promise<void>;
  /**
   * The server refused the credentials with `code` (at the handshake, or in an `error` before disconnecting):
   * true when a new attempt may succeed (an expired token that the client can replace), false to close the client.
   */
  readonly renewable: (code: string) => boolean;
  /** The socket is connected (`connect` is emitted right after): re-join, catch up, resume the sends. */
  readonly onConnected: (recovered: boolean) => void;
  /**
   * The connection is gone (`disconnect` is emitted right after): pause the sends. `announced`: the server said
   * `server:shutdown` on it first (a drain: not the fault of the sends in flight).
   */
  readonly onDropped: (announced: boolean) => void;
  /** `disconnect()` was called, before the socket is closed: stop typing, pause the sends (not their fault). */
  readonly onOffline: () => void;
  /** The client closes for good, before the socket is closed: settle everything that waits. */
  readonly onClosing: () => void;
  readonly emit: (event: string, ...args: unknown[]) => void;
}

/**
 * The connection's states and its reconnects, which are ours (Socket.IO's own reconnection is off): exponential
 * backoff with full jitter, the server's shutdown hint first; credential refusals and handshakes that cannot work
 * close the client for good, except an expired token, which is replaced before the next attempt.
 */
export class ConnectionLifecycle {
  readonly #socket: Socket;
  readonly #hooks: LifecycleHooks;
  readonly #reconnect: ReconnectPolicy;
  #state: ConnectionState = 'idle';
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first connection opened and the last one ended (for catch-up). */
  #firstConnectedAt: number | undefined;
  #droppedAt: number | undefined;
  /** A credential `error` the server sent before it disconnected us (revoked credentials, expired token). */
  #credentialError: AckError | undefined;
  /** The server announced its shutdown on the current connection (`server:shutdown`). */
  #announced = false;

  constructor(socket: Socket, options: ReconnectPolicyOptions, hooks: LifecycleHooks) {
    this.#socket = socket;
    this.#hooks = hooks;
    this.#reconnect = new ReconnectPolicy(options);
    this.#wire();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get firstConnectedAt(): number | undefined {
    return this.#firstConnectedAt;
  }

  get droppedAt(): number | undefined {
    return this.#droppedAt;
  }

  /** Opens a connection now, unless one is open or opening (the client is not closed: the caller checked). */
  connect(): void {
    if (this.#state === 'idle' || this.#state === 'waiting' || this.#state === 'disconnected') {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#open();
    }
  }

  /** Offline until `connect()`: no reconnects. */
  disconnect(): void {
    if (this.#state === 'closed') return;
    this.#state = 'disconnected';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#hooks.onOffline();
    this.#socket.disconnect();
  }

  /** Ends the client for good; every pending promise settles. */
  shutdown(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#reconnect.close();
    this.#hooks.onClosing();
    this.#socket.disconnect();
  }

  /** The server announced its shutdown and when to come back. */
  hint(delayMs: number): void {
    this.#announced = true;
    this.#reconnect.hint(delayMs);
  }

  /** The server sent an `error`: one with a credential code means its coming disconnect is a refusal. */
  serverError(payload: AckError): void {
    if (CREDENTIAL_CODES.has(payload.code)) this.#credentialError = payload;
  }

  #open(): void {
    this.#state = 'connecting';
    void this.#hooks.ready
      .then(() => (this.#state === 'connecting' ? this.#hooks.beforeConnect() : undefined))
      .then(
        () => {
          if (this.#state === 'connecting') this.#socket.connect();
        },
        (error: unknown) => {
          if (this.#state !== 'connecting') return;
          this.#scheduleReconnect({ code: 'TOKEN_UNAVAILABLE', message: error instanceof Error ? error.message : String(error) });
        },
      );
  }

  #scheduleReconnect(cause: ConnectionCause): void {
    if (this.#state === 'closed' || this.#state === 'disconnected') return;
    const { delayMs, attempt } = this.#reconnect.next();
    this.#state = 'waiting';
    this.#hooks.emit('reconnecting', { delayMs, attempt, cause });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#open(), delayMs);
  }

  #wire(): void {
    const socket = this.#socket;
    const emit = this.#hooks.emit;
    socket.on('connect', () => {
      this.#state = 'connected';
      this.#firstConnectedAt ??= Date.now();
      this.#credentialError = undefined;
      this.#announced = false;
      this.#reconnect.connected();
      this.#hooks.onConnected(socket.recovered);
      emit('connect', { recovered: socket.recovered });
    });
    socket.on('disconnect', (reason) => {
      this.#droppedAt = Date.now();
      this.#reconnect.dropped();
      const announced = this.#announced;
      this.#announced = false;
      this.#hooks.onDropped(announced);
      emit('disconnect', reason);
      if (reason === 'io client disconnect') return; // disconnect() or close()
      if (reason === 'io server disconnect') {
        // The server ended this session on purpose: after an `error` with a credential code (revoked key, expired
        // token), the credentials are refused; otherwise it does not want this client back either.
        const error = this.#credentialError;
        if (error && this.#hooks.renewable(error.code)) return this.#scheduleReconnect({ code: error.code, message: error.message });
        this.shutdown();
        if (error) emit('unauthorized', { code: error.code, message: error.message });
        else emit('failed', { code: 'SERVER_DISCONNECT', message: 'the server closed the connection' });
        return;
      }
      this.#scheduleReconnect({ code: 'TRANSPORT_ERROR', message: reason });
    });
    socket.on('connect_error', (error: Error & { data?: { code?: unknown; message?: unknown; retry_after_ms?: unknown }; description?: unknown }) => {
      if (this.#state === 'closed' || this.#state === 'disconnected') return;
      const cause = connectErrorCause(error);
      // A loaded node's refusal says when it has room for this client (`HandshakeRefusalData`).
      if (typeof error.data?.retry_after_ms === 'number') this.#reconnect.retryAfter(error.data.retry_after_ms);
      if (CREDENTIAL_CODES.has(cause.code)) {
        if (this.#hooks.renewable(cause.code)) return this.#scheduleReconnect(cause);
        this.shutdown();
        emit('unauthorized', { code: cause.code, message: cause.message });
        return;
      }
      if (isFatal(cause)) {
        this.shutdown();
        emit('failed', cause);
        return;
      }
      this.#scheduleReconnect(cause);
    });
  }
}
