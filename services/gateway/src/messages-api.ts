import { createHash } from 'node:crypto';
import {
  INTERNAL_PATHS,
  INTERNAL_TOKEN_HEADER,
  isErrorCode,
  type ErrorCode,
  type InternalAuthAdminRequest,
  type InternalAuthAdminResponse,
  type InternalAuthClientRequest,
  type InternalAuthClientResponse,
  type InternalAuthRefreshRequest,
  type InternalAuthRefreshResponse,
  type InternalConversationAccessResponse,
  type InternalUpdateConversationRequest,
  type InternalUpdateConversationResponse,
  type AgentPrincipal,
  type Message,
  type Principal,
  type SocketConversationUpdate,
  type SocketSendMessage,
} from '@switchboard/protocol';
import { GatewayError } from './socket/errors.js';
import { createTtlCache } from '@switchboard/runtime';

/** The calls that check a caller's credentials: their 401 is the caller's, not the gateway's own misconfiguration. */
const CREDENTIAL_PATHS = new Set<string>([INTERNAL_PATHS.authClient, INTERNAL_PATHS.authAdmin, INTERNAL_PATHS.authRefresh]);

/** What the gateway needs from the messages service. It never reads Postgres itself. */
export interface MessagesApi {
  authenticateClient(auth: InternalAuthClientRequest): Promise<InternalAuthClientResponse>;
  authenticateAdmin(auth: InternalAuthAdminRequest): Promise<InternalAuthAdminResponse>;
  /** The conversation if the principal may see it; `NOT_FOUND` otherwise. */
  conversationAccess(principal: Principal, conversationId: string): Promise<InternalConversationAccessResponse>;
  sendMessage(principal: Principal, input: SocketSendMessage): Promise<{ message: Message; created: boolean }>;
  /** `conversation:update`: the agent's change of status, snooze or assignment; the conversation after it. */
  updateConversation(principal: AgentPrincipal, input: SocketConversationUpdate): Promise<InternalUpdateConversationResponse>;
  /**
   * `auth:refresh`: checks a new token for the socket's principal (same `sub`, else `FORBIDDEN`; expired:
   * `TOKEN_EXPIRED`; otherwise refused: `INVALID_CREDENTIALS`) and answers what it establishes.
   */
  refreshAuth(principal: Principal, token: string): Promise<InternalAuthRefreshResponse>;
  /** A credential of the app was revoked: agents' auth answers of that app are not reused any more. */
  forgetApp(appId: string): void;
}

export interface HttpMessagesApiOptions {
  readonly baseUrl: string;
  readonly internalToken?: string | undefined;
  /** Time limit of a call (`MESSAGES_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** How long an agent's auth answer is reused (`AUTH_CACHE_TTL_MS`). */
  readonly authCacheTtlMs: number;
}

/**
 * The messages service's internal HTTP API; a service that cannot be reached is `UNAVAILABLE`. Auth lookups are
 * keyed by a hash of the credentials, never the credentials themselves. An agent's answer is reused for
 * `authCacheTtlMs`; a device's is shared only while in flight (tabs connecting together ask once), because it
 * carries the device's latest conversation, which a REST call may change a moment later (the next handshake
 * must auto-join the new one).
 */
export function createHttpMessagesApi(options: HttpMessagesApiOptions): MessagesApi {
  const { timeoutMs } = options;
  const adminAuthCache = createTtlCache<InternalAuthAdminResponse>({ ttlMs: options.authCacheTtlMs });
  const clientAuthInFlight = createTtlCache<InternalAuthClientResponse>({ ttlMs: 0 });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.internalToken) headers[INTERNAL_TOKEN_HEADER] = options.internalToken;

  async function post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, options.baseUrl), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new GatewayError('UNAVAILABLE', 'the messages service cannot be reached', { cause: error });
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return JSON.parse(text) as T;
    let code: ErrorCode = response.status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
    let message = `messages service answered ${response.status}`;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (isErrorCode(parsed.error?.code) && response.status < 500) code = parsed.error.code;
      if (typeof parsed.error?.message === 'string' && response.status < 500) message = parsed.error.message;
    } catch {
      // not JSON: keep the status-derived code
    }
    // Our own misconfiguration (wrong internal token) must not read as the caller's bad credentials.
    if (response.status === 401 && !CREDENTIAL_PATHS.has(path)) code = 'INTERNAL';
    throw new GatewayError(code, message);
  }

  const key = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url');

  return {
    authenticateClient: (auth) => {
      const body: InternalAuthClientRequest = {
        app_id: auth.app_id,
        device_id: auth.device_id,
        api_key: auth.api_key,
        ...(auth.user_token === undefined ? {} : { user_token: auth.user_token }),
      };
      return clientAuthInFlight.get(key('c', body.app_id, body.device_id, body.api_key, body.user_token ?? ''), () =>
        post<InternalAuthClientResponse>(INTERNAL_PATHS.authClient, body),
      );
    },
    authenticateAdmin: (auth) => {
      const body: InternalAuthAdminRequest = {
        app_id: auth.app_id,
        ...(auth.admin_token === undefined ? {} : { admin_token: auth.admin_token }),
        ...(auth.agent_token === undefined ? {} : { agent_token: auth.agent_token }),
      };
      // Keyed by app first, so that a revocation drops the app's answers (`forgetApp`).
      return adminAuthCache.get(`${body.app_id}\0${key('a', body.app_id, body.admin_token ?? '', body.agent_token ?? '')}`, () =>
        post<InternalAuthAdminResponse>(INTERNAL_PATHS.authAdmin, body),
      );
    },
    conversationAccess: (principal, conversation_id) =>
      post(INTERNAL_PATHS.conversationAccess, { principal, conversation_id }),
    sendMessage: (principal, input) => post(INTERNAL_PATHS.sendMessage, { principal, ...input }),
    updateConversation: (principal, input) =>
      post(INTERNAL_PATHS.updateConversation, { principal, ...input } satisfies InternalUpdateConversationRequest),
    refreshAuth: (principal, token) => post(INTERNAL_PATHS.authRefresh, { principal, token } satisfies InternalAuthRefreshRequest),
    forgetApp: (appId) => adminAuthCache.deletePrefix(`${appId}\0`),
  };
}
