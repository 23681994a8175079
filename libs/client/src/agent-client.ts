import { CREDENTIAL_HEADERS } from '@switchboard/protocol/http-api';
import type {
  AdminToServerEvents,
  Conversation,
  ConversationPage,
  Message,
  MessagePage,
  ServerToAdminEvents,
  SessionInfo,
} from '@switchboard/protocol';
import type { Cursor } from './client-state.js';
import { conversationUpdate, type ConversationChanges } from './conversation-update.js';
import { RealtimeClient, type CatchUpGap, type RealtimeClientOptions } from './realtime-client.js';
import { RestApi } from './rest.js';
import type { TokenCallback } from './token-source.js';

interface AgentClientBaseOptions extends RealtimeClientOptions {
  readonly appId: string;
  /** Base URL of the REST API. @default `url` */
  readonly apiUrl?: string;
  readonly fetch?: typeof fetch;
}

/**
 * An agent authenticates with exactly one of:
 * - `adminToken`: the app's admin token (a server, no agent in particular: messages have `sender_id` null);
 * - `getAgentToken`: returns an agent token (a JWT your backend signs with one of the app's identity keys, `sub` =
 *   the agent's id, `aud` = the app id, `role: "agent"`, `name` shown to users). Sent as `Authorization: Bearer` on
 *   REST and `agent_token` in the handshake, refreshed in band before its `exp`, fetched again after `TOKEN_EXPIRED`.
 */
export type AgentCredentials =
  | { readonly adminToken: string; readonly getAgentToken?: undefined }
  | { readonly getAgentToken: TokenCallback; readonly adminToken?: undefined };

export type AgentClientOptions = AgentClientBaseOptions & AgentCredentials;

/** Messages read before a conversation's first message heard, to find where it starts for this instance. */
const START_PAGE_SIZE = 50;
/** Messages stored this long before the first connection (by the server's clock) count as news too, for clock skew. */
const START_CLOCK_MARGIN_MS = 2000;

/** At most this many pages of 200 conversations are read to catch up after a reconnect. */
const CATCH_UP_MAX_PAGES = 10;
/** Conversations updated this long before the drop (by the client's clock) are read too, for clock skew. */
const CATCH_UP_CLOCK_MARGIN_MS = 60_000;

/**
 * An agent's client: connects to `/admin`, receives every conversation of its app (`message:new` in `seq` order per
 * conversation, exactly once), presence and session events, and answers as `agent`.
 */
export class AgentClient extends RealtimeClient<ServerToAdminEvents, AdminToServerEvents> {
  readonly #appId: string;

  constructor(options: AgentClientOptions) {
    const { adminToken, getAgentToken } = options;
    if ((adminToken === undefined) === (getAgentToken === undefined)) {
      throw new TypeError('AgentClient: pass exactly one of adminToken and getAgentToken');
    }
    super(
      {
        namespace: '/admin',
        auth: adminToken !== undefined ? { app_id: options.appId, admin_token: adminToken } : { app_id: options.appId },
        ...(getAgentToken ? { token: { field: 'agent_token', get: getAgentToken } } : {}),
        scope: `admin:${options.appId}`,
        // An agent hears every conversation through its app room; it catches up from the conversation list instead.
        rejoinKnown: false,
      },
      (token) =>
        new RestApi({
          baseUrl: options.apiUrl ?? options.url,
          headers: adminToken !== undefined ? { [CREDENTIAL_HEADERS.authorization]: `Bearer ${adminToken}` } : {},
          ...(token ? { token: { header: CREDENTIAL_HEADERS.authorization, prefix: 'Bearer ', provider: token } } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      options,
    );
    this.#appId = options.appId;
  }

  /**
   * After a connection that did not recover the session, the app room delivers only what comes next: walk the
   * conversation list (newest activity first) and fill every tracked conversation whose newest message is not the
   * last one delivered, and every conversation it did not track with messages since the drop (a new one, or one
   * quiet while it was connected; not one quiet since before this instance first connected). A conversation's
   * activity moves with each message (and only then: not with a close, snooze or assignment), so the walk stops at
   * the first one whose newest message is older than the drop (less a margin for clock skew), or, for a new instance
   * that does not know when it dropped, once every tracked conversation was seen; at most `CATCH_UP_MAX_PAGES` pages
   * either way.
   */
  protected override async catchUp(gap: CatchUpGap): Promise<void> {
    const horizon = gap.since === undefined ? undefined : gap.since - CATCH_UP_CLOCK_MARGIN_MS;
    let unseen = gap.tracked.size;
    let cursor: string | null = null;
    for (let page = 0; page < CATCH_UP_MAX_PAGES; page++) {
      const result: ConversationPage = await this.conversations({ limit: 200, ...(cursor ? { cursor } : {}) });
      for (const conversation of result.data) {
        // Message activity, not `updated_at`: closing, snoozing or assigning a quiet conversation is no message.
        const active = Date.parse(conversation.last_message_at ?? conversation.created_at);
        const quiet = horizon !== undefined && active < horizon;
        if (quiet || (horizon === undefined && unseen === 0)) return;
        const last = conversation.last_message_id;
        if (gap.tracked.has(conversation.id)) {
          unseen--;
          if (last !== null && last !== gap.tracked.get(conversation.id)) gap.moved(conversation.id, last);
        } else if (last !== null && horizon !== undefined && active >= (gap.firstConnectedAt ?? 0)) {
          gap.appeared(conversation.id);
        }
      }
      cursor = result.next_cursor;
      if (!cursor) return;
    }
  }

  /**
   * A conversation first heard past its first message: its messages stored since this instance first connected
   * (by the server's clock, less a margin) are news, though the fan-out delivered a later one first; older ones are
   * not. Reads the messages just before the one heard, newest first, up to the first older one; a page of news
   * only means from its first message.
   */
  protected override async startOfConversation(conversationId: string, first: Message): Promise<Cursor | null | undefined> {
    const since = this.firstConnectedServerTime;
    if (since === undefined || Date.parse(first.created_at) < since - START_CLOCK_MARGIN_MS) return undefined;
    const page = await this.messages(conversationId, { before: first.id, limit: START_PAGE_SIZE });
    for (let i = page.data.length - 1; i >= 0; i--) {
      const message = page.data[i]!;
      if (Date.parse(message.created_at) < since - START_CLOCK_MARGIN_MS) return { seq: message.seq, id: message.id };
    }
    // All news (a long burst, or from its start): from its first message.
    return null;
  }

  /** The app's sessions on every gateway node. */
  async sessions(): Promise<SessionInfo[]> {
    const result = await this.request('sessions:list', { app_id: this.#appId });
    return result.sessions;
  }

  /** Re-joins the app's room (every agent socket is in it from its handshake). */
  async subscribe(): Promise<void> {
    await this.request('app:subscribe', { app_id: this.#appId });
  }

  /**
   * Changes a conversation's status, snooze or assignee over the admin socket (`conversation:update`), and resolves
   * with the conversation after it (`unread_count` as the agents see it); a change that changes nothing resolves
   * with the conversation as it is. Every change reaches the conversation's device and the app's agents, this one
   * included, as `conversation:updated`. Rejects with a `RequestError` with the server's code (`VALIDATION_FAILED`:
   * e.g. `snoozed` without a future `snoozed_until`; `NOT_FOUND`: not a conversation of this app), or
   * `CLIENT_CLOSED`; while offline it waits for the connection.
   *
   * ```ts
   * await agent.updateConversation(id, { status: 'snoozed', snoozed_until: new Date(Date.now() + 3_600_000) });
   * await agent.updateConversation(id, { assignee_id: 'agent-ada' });
   * await agent.updateConversation(id, { status: 'closed' });
   * ```
   */
  async updateConversation(conversationId: string, changes: ConversationChanges): Promise<Conversation> {
    const result = await this.request('conversation:update', conversationUpdate(conversationId, changes));
    return result.conversation;
  }

  messages(conversationId: string, query: { after?: string; before?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.rest.messages(conversationId, query);
  }

  markRead(conversationId: string, messageId: string): Promise<void> {
    return this.rest.markRead(conversationId, messageId);
  }
}
