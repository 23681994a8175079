import { io, type Socket } from 'socket.io-client';
// Values from the zod-free entry, so a browser bundle does not pull zod in.
import { SOCKET_PATH } from '@switchboard/protocol/socket-events';
import type { Conversation, ConversationPage, EventPayload, ListConversationsQuery, Message, ServerToSocketEvents, SocketToServerEvents } from '@switchboard/protocol';
import { AckRequests, closedError, type AckedEvent, type AckFields } from './ack-requests.js';
import { CatchUpRunner } from './catch-up-runner.js';
import { ClientState, type Cursor } from './client-state.js';
import { ConnectionLifecycle } from './connection-lifecycle.js';
import { walkConversations, type ConversationFilters } from './conversation-list.js';
import { ConversationStreams } from './conversation-stream.js';
import { Emitter } from './emitter.js';
import { SendError } from './errors.js';
import type { RestApi } from './rest.js';
import type { CatchUpGap, ClientLifecycleEvents, ConnectionState, RealtimeClientOptions, RealtimeIdentity } from './realtime-types.js';
import { SendPath } from './send-path.js';
import { wireServerEvents } from './server-events.js';
import { createMemoryStore } from './store.js';
import { TokenRefresher } from './token-refresher.js';
import { TokenSource, type TokenProvider } from './token-source.js';
import { TypingDebouncer } from './typing-debouncer.js';

export type { CatchUpGap, ClientLifecycleEvents, ConnectionState, RealtimeClientOptions, RealtimeIdentity } from './realtime-types.js';

/**
 * What devices and agents share: their own socket with reconnects under our control (`connection-lifecycle.ts`), a
 * send queue with retries (`send-path.ts`), per-conversation ordering with gap fill (`conversation-stream.ts`, fed
 * by `server-events.ts`), catch-up across instances through the store (`catch-up-runner.ts`), typing debounce,
 * and, for a signed-in user or agent, its token (`token-source.ts`) refreshed in band (`token-refresher.ts`).
 * Subclasses name the namespace, the credentials and the REST calls.
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
  readonly #sends: SendPath;
  readonly #streams: ConversationStreams;
  readonly #typing: TypingDebouncer;
  readonly #joined = new Set<string>();
  readonly #requests: AckRequests;
  readonly #lifecycle: ConnectionLifecycle;
  readonly #catchUp: CatchUpRunner;
  readonly #store: ClientState;
  readonly #refresher: TokenRefresher | undefined;
  #connectionId: string | undefined;
  /** The server's clock at this instance's first connection (`connected.server_time`). */
  #firstServerTime: number | undefined;
  /** The token the live (or last) socket authenticated with: its handshake's, or its last refresh's. */
  #socketToken: string | undefined;

  /** `rest` makes the REST client, given the token it must send (for a signed-in user or agent). */
  protected constructor(identity: RealtimeIdentity, rest: (token: TokenProvider | undefined) => RestApi, options: RealtimeClientOptions) {
    super();
    const emit = (event: string, ...args: unknown[]) => this.#emitAny(event, ...args);
    const token = identity.token;
    const tokens = token ? new TokenSource({ getToken: token.get, onError: (error) => emit('token:error', error) }) : undefined;
    this.rest = rest(tokens);
    this.socket = io(new URL(identity.namespace, options.url).toString(), {
      path: SOCKET_PATH,
      // With a token, the handshake carries the one held at each attempt (fetched first: `beforeConnect`); an empty
      // one, which cannot happen, would be refused rather than taken for an anonymous client.
      auth:
        token && tokens
          ? (callback) => {
              this.#socketToken = tokens.held;
              callback({ ...identity.auth, [token.field]: tokens.held ?? '' });
            }
          : identity.auth,
      transports: options.transports ?? ['websocket'],
      autoConnect: false,
      // Reconnection is ours (`ConnectionLifecycle`): full jitter, and the server's shutdown hint.
      reconnection: false,
      // A ChatClient and an AgentClient for the same URL in one process must not share one connection.
      forceNew: true,
    });
    const state = new ClientState(options.store ?? createMemoryStore(), identity.scope);
    this.#store = state;
    this.#requests = new AckRequests(this.socket as Socket);
    this.#streams = new ConversationStreams(
      (conversationId, afterId) => this.rest.messagesAfter(conversationId, afterId),
      (message) => emit('message:new', message),
      (error) => emit('sync:error', error),
      {
        onCursor: (conversationId, cursor) => void state.saveCursor(conversationId, cursor).catch((error) => emit('sync:error', error)),
        startOf: (conversationId, first) => this.startOfConversation(conversationId, first),
      },
    );
    this.#sends = new SendPath({
      socket: this.socket,
      state,
      options,
      onSent: (message) => this.#streams.received(message),
      onFailed: (error) => emit('send:failed', error),
    });
    const ready = state.loadCursors().then(
      (cursors) => {
        for (const [conversationId, cursor] of cursors) {
          this.#streams.restore(conversationId, cursor);
          if (identity.rejoinKnown) this.#joined.add(conversationId);
        }
      },
      (error) => emit('sync:error', error),
    );
    const ackTimeout = options.ackTimeoutMs ?? 10_000;
    this.#refresher = tokens
      ? new TokenRefresher({
          tokens,
          send: (fresh) => this.socket.timeout(ackTimeout).emitWithAck('auth:refresh', { token: fresh }),
          onRefreshed: (fresh) => (this.#socketToken = fresh),
          ...(options.backoff ? { backoff: options.backoff } : {}),
          onError: (error) => emit('token:error', error),
        })
      : undefined;
    this.#typing = new TypingDebouncer((conversationId, isTyping) => {
      if (this.socket.connected) this.socket.emit(isTyping ? 'typing:start' : 'typing:stop', { conversation_id: conversationId });
    }, options.typing);
    this.#lifecycle = new ConnectionLifecycle(
      this.socket as Socket,
      {
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.stableAfterMs !== undefined ? { stableAfterMs: options.stableAfterMs } : {}),
        ...(options.shutdownJitterMs !== undefined ? { shutdownJitterMs: options.shutdownJitterMs } : {}),
      },
      {
        ready,
        beforeConnect: async () => void (await tokens?.current()),
        // An expired token is replaced (the next attempt fetches a new one); any other refusal closes the client.
        renewable: (code) => {
          if (code !== 'TOKEN_EXPIRED' || !tokens || this.#socketToken === undefined) return false;
          tokens.expired(this.#socketToken);
          return true;
        },
        onConnected: (recovered) => {
          this.#refresher?.start(this.#socketToken);
          if (!recovered) {
            for (const id of this.#joined) this.socket.emit('conversation:join', { conversation_id: id });
            if (!identity.rejoinKnown) this.#catchUp.run(this.socket.id);
          }
          this.#sends.queue.resume();
        },
        onDropped: (announced) => {
          this.#refresher?.stop();
          // A drop the server announced (a drain) is not the fault of the sends in flight: no suspects after it.
          this.#sends.queue.pause({ dropped: !announced });
        },
        onOffline: () => {
          this.#typing.close();
          this.#sends.queue.pause({ dropped: false }); // not the sends' fault
        },
        onClosing: () => {
          this.#refresher?.stop();
          this.#catchUp.close();
          this.#typing.close();
          this.#sends.queue.close();
          this.#streams.close();
          this.#requests.closeAll();
        },
        emit,
      },
    );
    this.#catchUp = new CatchUpRunner({
      streams: this.#streams,
      catchUp: (gap) => this.catchUp(gap),
      firstConnectedAt: () => this.#lifecycle.firstConnectedAt,
      droppedAt: () => this.#lifecycle.droppedAt,
      isCurrent: (connection) => this.socket.connected && this.socket.id === connection,
      onError: (error) => emit('sync:error', error),
    });
    wireServerEvents(this.socket as Socket, {
      lifecycle: this.#lifecycle,
      streams: this.#streams,
      joined: this.#joined,
      onConnected: (payload) => {
        this.#connectionId = payload.connection_id;
        this.#firstServerTime ??= Date.parse(payload.server_time);
        if (!tokens) return;
        tokens.serverTime(payload.server_time);
        this.#refresher?.start(this.#socketToken); // again, on the server's clock
      },
      emit,
    });
  }

  get state(): ConnectionState {
    return this.#lifecycle.state;
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
    return this.#sends.queue.pending;
  }

  /**
   * Connects, and keeps reconnecting until `disconnect()` or `close()`. Call it again after `disconnect()` (the app
   * comes back to the foreground). Throws once the client is closed.
   */
  connect(): this {
    if (this.#lifecycle.state === 'closed') throw closedError();
    this.#lifecycle.connect();
    return this;
  }

  /**
   * Goes offline until `connect()` (the app goes to the background): no reconnects; sends wait in the queue, and
   * their promises stay pending. The server ends this session, so the next `connect()` catches up over REST.
   */
  disconnect(): this {
    this.#lifecycle.disconnect();
    return this;
  }

  /**
   * Closes for good: no reconnect, and every pending promise settles at once: unacknowledged sends reject with a
   * `SendError` `CLIENT_CLOSED` (`kept: true` when a durable store keeps them for the next instance). Resolves once
   * what it wrote to the store is there (await it before another instance opens the same store).
   */
  close(): Promise<void> {
    this.#lifecycle.shutdown();
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
    if (this.#lifecycle.state === 'closed') {
      return Promise.reject(new SendError({ code: 'CLIENT_CLOSED', message: 'the client is closed' }, { conversationId, localId }));
    }
    const refused = this.#sends.check(conversationId, body, localId);
    if (refused) return Promise.reject(refused);
    this.#typing.stop(conversationId);
    return this.#sends.queue.send(conversationId, body, localId);
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
   * One conversation (REST), with `unread_count` as this client's side sees it: a device's (or its signed-in
   * user's) own conversations, or, for an agent, any of the app's.
   */
  conversation(id: string): Promise<Conversation> {
    return this.rest.conversation(id);
  }

  /**
   * One page of the conversations this client sees (a device's or its user's own; an agent's: the app's), newest
   * activity first, with the list's filters: `status`, `assignee` (agents: an agent id, or `'none'`), `unread: true`
   * (messages from the other side after this side's read marker); `cursor` is the previous page's `next_cursor`.
   */
  conversations(query: ListConversationsQuery = {}): Promise<ConversationPage> {
    return this.rest.conversations(query);
  }

  /**
   * Every conversation this client sees that matches `filters`, newest activity first, a page (`limit`) at a time:
   * `for await (const c of agent.listConversations({ status: 'open', assignee: 'none' })) …`. Each conversation is
   * visited once, also while conversations are closed, snoozed or assigned during the walk.
   */
  listConversations(filters: ConversationFilters = {}): AsyncGenerator<Conversation, void, undefined> {
    return walkConversations((query) => this.rest.conversations(query), filters);
  }

  /**
   * Emits an event with an ack and resolves with the successful ack; rejects with a `RequestError` carrying the ack's
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
    if (this.#lifecycle.state === 'closed') return Promise.reject(closedError());
    return this.#requests.request<T>(event, payload);
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

  /**
   * Where a conversation first heard at a message past its first one starts (see `ConversationStreamsOptions.startOf`):
   * by default at the message heard.
   */
  protected startOfConversation(_conversationId: string, _first: Message): Promise<Cursor | null | undefined> {
    return Promise.resolve(undefined);
  }

  /** The server's clock (ms) when this instance first connected, once it has. */
  protected get firstConnectedServerTime(): number | undefined {
    return this.#firstServerTime;
  }

  /** Server events pass through by name; the map types them for listeners, not for this relay. */
  #emitAny(event: string, ...args: unknown[]): void {
    (this.emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }
}
