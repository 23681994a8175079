import { REST_PATHS, restPath } from '@switchboard/protocol/http-api';
import type {
  Conversation,
  ConversationPage,
  ErrorBody,
  ErrorCode,
  ListConversationsQuery,
  Message,
  MessagePage,
  UpdateConversationRequest,
} from '@switchboard/protocol';
import { conversationsPath } from './conversation-list.js';
import type { TokenProvider } from './token-source.js';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  constructor(status: number, body: Partial<ErrorBody> | undefined) {
    super(body?.error?.message ?? `request failed with ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.error?.code ?? 'INTERNAL';
  }
}

export interface RestOptions {
  /** Base URL of the REST API (`…/v1` is appended). */
  readonly baseUrl: string;
  readonly headers: Record<string, string>;
  readonly fetch?: typeof fetch;
  /** A request taking longer is abandoned (and a gap fill retried later). @default 15000 */
  readonly timeoutMs?: number;
  /** A signed-in user's or agent's token, added to every request (after `headers`). */
  readonly token?: RestToken;
}

/** Where a request carries the token: `X-User-Token: <jwt>` for a user, `Authorization: Bearer <jwt>` for an agent. */
export interface RestToken {
  readonly header: string;
  /** Put before the token in the header's value, e.g. `Bearer `. @default '' */
  readonly prefix?: string;
  readonly provider: TokenProvider;
}

/** The REST calls the SDK needs, with the caller's credentials. */
export class RestApi {
  readonly #options: RestOptions;
  constructor(options: RestOptions) {
    this.#options = options;
  }

  /**
   * One call of the API with the caller's credentials. With a token, a 401 `TOKEN_EXPIRED` is retried once with a
   * new token from the callback (a failing callback rejects the call with its `TokenError`).
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = this.#options.token;
    if (!token) return this.#send<T>(method, path, body, undefined);
    const first = await token.provider.current();
    try {
      return await this.#send<T>(method, path, body, first);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401 && error.code === 'TOKEN_EXPIRED')) throw error;
      token.provider.expired(first);
      return this.#send<T>(method, path, body, await token.provider.current());
    }
  }

  async #send<T>(method: string, path: string, body: unknown, token: string | undefined): Promise<T> {
    const doFetch = this.#options.fetch ?? globalThis.fetch;
    const auth = this.#options.token;
    const response = await doFetch(new URL(path, this.#options.baseUrl).toString(), {
      method,
      headers: {
        ...this.#options.headers,
        ...(auth && token !== undefined ? { [auth.header]: `${auth.prefix ?? ''}${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed as T;
  }

  openConversation(): Promise<Conversation> {
    return this.request('POST', REST_PATHS.conversations);
  }

  conversation(id: string): Promise<Conversation> {
    return this.request('GET', restPath(REST_PATHS.conversation, id));
  }

  /** One page of the conversation list (newest activity first), with the query's filters and cursor. */
  conversations(query: ListConversationsQuery = {}): Promise<ConversationPage> {
    return this.request('GET', conversationsPath(query));
  }

  /** `PATCH /v1/conversations/:id`: the conversation after the change. */
  updateConversation(id: string, changes: UpdateConversationRequest): Promise<Conversation> {
    return this.request('PATCH', restPath(REST_PATHS.conversation, id), changes);
  }

  messages(conversationId: string, query: { after?: string; before?: string; limit?: number } = {}): Promise<MessagePage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return this.request('GET', `${restPath(REST_PATHS.messages, conversationId)}${qs ? `?${qs}` : ''}`);
  }

  /** Every message strictly after `afterId` (`null`: every message), all pages, ascending `seq`. */
  async messagesAfter(conversationId: string, afterId: string | null): Promise<Message[]> {
    if (afterId === null) return this.#messagesFromStart(conversationId);
    const all: Message[] = [];
    let cursor = afterId;
    for (;;) {
      const page = await this.messages(conversationId, { after: cursor, limit: 200 });
      all.push(...page.data);
      if (!page.has_more || page.data.length === 0) return all;
      cursor = page.data.at(-1)!.id;
    }
  }

  /** The whole conversation: its newest page, then scroll-back (`before=`) until its first message. */
  async #messagesFromStart(conversationId: string): Promise<Message[]> {
    let page = await this.messages(conversationId, { limit: 200 });
    let all = page.data;
    while (page.has_more && all.length > 0 && all[0]!.seq > 1) {
      page = await this.messages(conversationId, { before: all[0]!.id, limit: 200 });
      all = [...page.data, ...all];
    }
    return all;
  }

  markRead(conversationId: string, messageId: string): Promise<void> {
    return this.request('POST', restPath(REST_PATHS.read, conversationId), { last_read_message_id: messageId });
  }
}
