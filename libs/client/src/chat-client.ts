import { CREDENTIAL_HEADERS, REST_PATHS, restPath } from '@switchboard/protocol/http-api';
import type { Conversation, Message, MessagePage, ServerToClientEvents } from '@switchboard/protocol';
import { RealtimeClient, type RealtimeClientOptions } from './realtime-client.js';
import { RestApi } from './rest.js';
import type { TokenCallback } from './token-source.js';

export interface ChatClientOptions extends RealtimeClientOptions {
  readonly appId: string;
  readonly deviceId: string;
  readonly apiKey: string;
  /**
   * Signs the device in as a user of your app: returns a user token (a JWT your backend signs with one of the app's
   * identity keys, `sub` = the user's id, `aud` = the app id). The client then acts as that user on every device
   * (`X-User-Token` on REST, `user_token` in the handshake), refreshes it in band before its `exp`, and fetches a
   * new one after `TOKEN_EXPIRED`. Without it the device is anonymous. See "Signed-in users and agents" in the README.
   */
  readonly getUserToken?: TokenCallback;
  /** Base URL of the REST API. @default `url` (an ingress routes /v1/socket.io and /v1 from one host) */
  readonly apiUrl?: string;
  readonly fetch?: typeof fetch;
}

/** Conversations read per page while looking for the latest one not closed. */
const LATEST_PAGE_SIZE = 50;

/**
 * A device's client: connects to `/client`, auto-joins the device's latest conversation (the user's, when signed in
 * with `getUserToken`), and delivers each conversation's `message:new` in `seq` order, exactly once, filling gaps
 * over REST.
 *
 * ```ts
 * const chat = new ChatClient({ url, apiUrl, appId, deviceId, apiKey }).connect();
 * chat.on('message:new', (m) => render(m));
 * const conversation = (await chat.latestConversation()) ?? (await chat.openConversation());
 * await chat.join(conversation.id);
 * await chat.send(conversation.id, 'Hello!');
 * ```
 */
export class ChatClient extends RealtimeClient<ServerToClientEvents> {
  constructor(options: ChatClientOptions) {
    const headers = {
      [CREDENTIAL_HEADERS.appId]: options.appId,
      [CREDENTIAL_HEADERS.deviceId]: options.deviceId,
      [CREDENTIAL_HEADERS.apiKey]: options.apiKey,
    };
    super(
      {
        namespace: '/client',
        auth: { app_id: options.appId, device_id: options.deviceId, api_key: options.apiKey },
        ...(options.getUserToken ? { token: { field: 'user_token', get: options.getUserToken } } : {}),
        scope: `client:${options.appId}:${options.deviceId}`,
        // A device's conversations are few: it joins again those it had joined (its previous instance too).
        rejoinKnown: true,
      },
      (token) =>
        new RestApi({
          baseUrl: options.apiUrl ?? options.url,
          headers,
          ...(token ? { token: { header: CREDENTIAL_HEADERS.userToken, provider: token } } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      options,
    );
  }

  /**
   * The device's latest conversation that is not closed (newest activity first: `open`, or `snoozed` by an agent,
   * which the user's next message reopens), or `null` when it has none: resume it rather than open a new
   * conversation on every start.
   */
  async latestConversation(): Promise<Conversation | null> {
    for await (const conversation of this.listConversations({ limit: LATEST_PAGE_SIZE })) {
      if (conversation.status !== 'closed') return conversation;
    }
    return null;
  }

  /** Opens a new conversation for this device (REST). */
  openConversation(): Promise<Conversation> {
    return this.rest.openConversation();
  }

  /**
   * Closes a conversation of this device (REST `PATCH` with `{ "status": "closed" }`: the only change a client may
   * make) and resolves with it; the agents receive `conversation:updated`. Closing a closed conversation changes
   * nothing. The user's next message reopens it. Rejects with an `ApiError` (`NOT_FOUND` for a conversation that is
   * not this device's).
   */
  closeConversation(id: string): Promise<Conversation> {
    return this.rest.updateConversation(id, { status: 'closed' });
  }

  /** A page of history (REST): `after`, `before` or the newest `limit`. */
  messages(conversationId: string, query: { after?: string; before?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.rest.messages(conversationId, query);
  }

  markRead(conversationId: string, messageId: string): Promise<void> {
    return this.rest.markRead(conversationId, messageId);
  }

  /** Sends over REST instead of the socket (same idempotency on `local_id`). */
  sendViaRest(conversationId: string, body: string, localId: string = globalThis.crypto.randomUUID()): Promise<Message> {
    return this.rest.request('POST', restPath(REST_PATHS.messages, conversationId), { body, local_id: localId });
  }
}
