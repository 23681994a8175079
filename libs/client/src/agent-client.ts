import type { ConversationPage, MessagePage, ServerToAdminEvents, SessionInfo } from '@switchboard/protocol';
import { RealtimeClient, type RealtimeClientOptions } from './realtime-client.js';
import { RestApi } from './rest.js';

export interface AgentClientOptions extends RealtimeClientOptions {
  readonly appId: string;
  readonly adminToken: string;
  /** Base URL of the REST API. @default `url` */
  readonly apiUrl?: string;
  readonly fetch?: typeof fetch;
}

/**
 * An agent's client: connects to `/admin`, receives every conversation of its app (`message:new` in `seq` order per
 * conversation, exactly once), presence and session events, and answers as `agent`.
 */
export class AgentClient extends RealtimeClient<ServerToAdminEvents> {
  readonly #appId: string;

  constructor(options: AgentClientOptions) {
    super(
      '/admin',
      { app_id: options.appId, admin_token: options.adminToken },
      new RestApi({
        baseUrl: options.apiUrl ?? options.url,
        headers: { Authorization: `Bearer ${options.adminToken}` },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
      options,
    );
    this.#appId = options.appId;
  }

  /** The app's sessions on every gateway node. */
  async sessions(): Promise<SessionInfo[]> {
    const result = await this.request<{ sessions: SessionInfo[] }>('sessions:list', { app_id: this.#appId });
    return result.sessions;
  }

  /** Re-joins the app's room (every agent socket is in it from its handshake). */
  async subscribe(): Promise<void> {
    await this.request('app:subscribe', { app_id: this.#appId });
  }

  conversations(query: { limit?: number; cursor?: string } = {}): Promise<ConversationPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return this.rest.request('GET', `/v1/conversations${params.size ? `?${params}` : ''}`);
  }

  messages(conversationId: string, query: { after?: string; before?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.rest.messages(conversationId, query);
  }

  markRead(conversationId: string, messageId: string): Promise<void> {
    return this.rest.markRead(conversationId, messageId);
  }
}
