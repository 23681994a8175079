import { IDENTITY, type AuthSession, type ErrorCode } from '@switchboard/protocol';
import type { SocketData } from './types.js';

/** What a socket keeps of its authentication's `AuthSession`: two numbers at most and one shared array. */
export type SessionFields = Pick<SocketData, 'tokenExp' | 'credentialsUntil' | 'credentials'>;

/** An instant as epoch seconds, rounded up: a socket never ends before the instant (a token's `exp` is whole already). */
export const epochSecondsOf = (iso: string | null): number | undefined => {
  if (iso === null) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.ceil(ms / 1000) : undefined;
};

/**
 * Sockets of one app share their credentials, so the arrays are shared too: one per distinct set of credential
 * ids, instead of one per socket. Bounded: when full it starts over (sockets keep the arrays they have).
 */
export function createCredentialsInterner(maxEntries = 10_000): (credentials: readonly string[]) => readonly string[] {
  const arrays = new Map<string, readonly string[]>();
  return (credentials) => {
    const key = credentials.join('\n');
    const known = arrays.get(key);
    if (known) return known;
    if (arrays.size >= maxEntries) arrays.clear();
    const frozen = Object.freeze([...credentials]);
    arrays.set(key, frozen);
    return frozen;
  };
}

/** The socket's fields from an authentication's answer (handshake or `auth:refresh`). */
export function sessionFieldsOf(session: AuthSession, intern: (credentials: readonly string[]) => readonly string[]): SessionFields {
  const tokenExp = epochSecondsOf(session.token_expires_at);
  const credentialsUntil = epochSecondsOf(session.credentials_valid_until);
  return {
    ...(tokenExp === undefined ? {} : { tokenExp }),
    ...(credentialsUntil === undefined ? {} : { credentialsUntil }),
    credentials: intern(session.credentials),
  };
}

/** When the socket must end, in epoch seconds: its token's `exp` + leeway or its credential's end, whichever comes first. */
export function sessionDeadline(data: SessionFields): number | undefined {
  const expiry = data.tokenExp === undefined ? undefined : data.tokenExp + IDENTITY.leewaySeconds;
  if (expiry === undefined) return data.credentialsUntil;
  return data.credentialsUntil === undefined ? expiry : Math.min(expiry, data.credentialsUntil);
}

/** Why a socket past its deadline ends: its credential's grace is over, or else its token expired. */
export function sessionEndCode(data: SessionFields, nowSeconds: number): Extract<ErrorCode, 'TOKEN_EXPIRED' | 'INVALID_CREDENTIALS'> {
  return data.credentialsUntil !== undefined && data.credentialsUntil <= nowSeconds ? 'INVALID_CREDENTIALS' : 'TOKEN_EXPIRED';
}
