import type { AuthRefresh } from '@switchboard/protocol';
import type { MessagesApi } from '../messages-api.js';
import { GatewayError } from './errors.js';
import type { SessionEnforcer } from './session-enforcer.js';
import type { AnySocket } from './types.js';

const IDENTITY_KEY = 'identity_key:';

/**
 * `auth:refresh { token }` on either namespace: a socket opened with a user or agent token replaces it before it
 * expires. The messages service checks the token for the socket's principal (another `sub`: `FORBIDDEN`; expired:
 * `TOKEN_EXPIRED`; otherwise refused: `INVALID_CREDENTIALS`); the new `exp` must be later than the current one
 * (else `VALIDATION_FAILED`). Success moves the socket's deadline and acks `{ expires_at }`. A socket opened without
 * a token (an anonymous device, an admin token) has nothing to refresh: `FORBIDDEN`. A refused refresh changes
 * nothing: the socket keeps its current deadline.
 */
export function refreshAuth(api: MessagesApi, sessions: SessionEnforcer) {
  return async (socket: AnySocket, { token }: AuthRefresh): Promise<{ expires_at: string }> => {
    const current = socket.data.tokenExp;
    if (current === undefined) throw new GatewayError('FORBIDDEN', 'this connection was not opened with a token; connect again with one');
    const { session } = await api.refreshAuth(socket.data.principal, token);
    const fresh = sessions.read(session);
    if (fresh.tokenExp === undefined || fresh.tokenExp <= (socket.data.tokenExp ?? current)) {
      throw new GatewayError('VALIDATION_FAILED', 'token: must expire later than the current one');
    }
    const data = socket.data;
    // The handshake's other credentials (api key, admin token) still hold; the token's identity key is the new one's.
    const kept = (data.credentials ?? []).filter((id) => !id.startsWith(IDENTITY_KEY));
    data.tokenExp = fresh.tokenExp;
    data.credentials = sessions.credentials([...new Set([...kept, ...(fresh.credentials ?? [])])]);
    if (fresh.credentialsUntil !== undefined && (data.credentialsUntil === undefined || fresh.credentialsUntil < data.credentialsUntil)) {
      data.credentialsUntil = fresh.credentialsUntil;
    }
    sessions.track(socket);
    return { expires_at: new Date(fresh.tokenExp * 1000).toISOString() };
  };
}
