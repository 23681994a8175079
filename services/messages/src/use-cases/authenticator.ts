import {
  credentialId,
  type AgentPrincipal,
  type AuthSession,
  type ClientPrincipal,
  type Principal,
} from '@switchboard/protocol';
import { appIdOfAdminToken } from '@switchboard/protocol/http-api';
import { AppError } from '../domain/errors.js';
import { credentialFingerprint, secretMatches } from '../domain/secrets.js';
import type { AppAuth, AppAuthCache, RotatingHash } from '../identity/app-auth-cache.js';
import type { TokenKind, TokenVerifier, VerifiedToken } from '../identity/token-verifier.js';

export interface ClientCredentials {
  readonly appId: string;
  readonly deviceId: string;
  readonly apiKey: string;
  /** A user token sent with them: verified, never ignored (refused: the whole request is). */
  readonly userToken?: string | undefined;
}

/** An agent's credential: the app's admin token (for servers) or an agent token (a person). */
export type AgentCredentials = { readonly adminToken: string } | { readonly agentToken: string };

/** Who the caller is, and what the gateway needs to know about the credentials while a socket lives. */
export interface Authenticated<P extends Principal> {
  readonly principal: P;
  readonly session: AuthSession;
}

/**
 * Checks credentials; throws `INVALID_CREDENTIALS` (never says which part was wrong), or `TOKEN_EXPIRED` for a token
 * expired beyond the leeway.
 */
export interface Authenticator {
  authenticateClient(credentials: ClientCredentials): Promise<Authenticated<ClientPrincipal>>;
  /** `expectedAppId`: the app the caller claims (the `/admin` handshake's `app_id`); REST takes the credential's. */
  authenticateAgent(credentials: AgentCredentials, expectedAppId?: string): Promise<Authenticated<AgentPrincipal>>;
  /**
   * `auth:refresh`: a new token for a socket's principal, of its kind (a user token for clients, an agent token for
   * agents) and its app; another `sub` (or a principal that had no token) is `FORBIDDEN`.
   */
  refresh(principal: Principal, token: string): Promise<AuthSession>;
}

export interface AuthenticatorOptions {
  readonly apps: Pick<AppAuthCache, 'get' | 'getFresh'>;
  readonly verifier: TokenVerifier;
  /** @default Date.now */
  readonly now?: () => number;
}

const invalid = () => new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');

/**
 * A secret that matches neither credential of a cached app re-reads the app when the cached entry is at least this
 * old: a credential rotated on another replica (or by a CLI) works here at once, within a second at worst, while a
 * stream of wrong secrets costs at most one read a second per app.
 */
const RELOAD_ON_MISMATCH_AFTER_MS = 1000;

/** The shape of an admin token (`sba.<app_id>.<secret>`): a bearer that is not one is an agent token. */
export const isAdminTokenShaped = (bearer: string): boolean => appIdOfAdminToken(bearer) !== undefined;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now;

  /** Which stored hash a secret matches: the current one, or the previous one while its grace lasts. */
  const match = (secret: string, hashes: RotatingHash): { hash: string; validUntil: Date | null } | undefined => {
    // Both compared whatever the first answer, so the time does not tell which one matched.
    const current = secretMatches(secret, hashes.current);
    const inGrace = hashes.previous !== null && hashes.previousValidUntil !== null && hashes.previousValidUntil.getTime() > now();
    const previous = inGrace && secretMatches(secret, hashes.previous!);
    if (current) return { hash: hashes.current, validUntil: null };
    if (previous) return { hash: hashes.previous!, validUntil: hashes.previousValidUntil };
    return undefined;
  };

  /** The app and which of `pick`'s hashes the secret matches; a mismatch re-reads an app cached for a while. */
  const appMatching = async (appId: string, secret: string, pick: (app: AppAuth) => RotatingHash) => {
    let app = await options.apps.get(appId);
    let matched = app ? match(secret, pick(app)) : undefined;
    if (app && !matched) {
      app = await options.apps.getFresh(appId, RELOAD_ON_MISMATCH_AFTER_MS);
      matched = app ? match(secret, pick(app)) : undefined;
    }
    return { app, matched };
  };

  const sessionOf = (credentials: string[], validUntil: Date | null, token: VerifiedToken | undefined): AuthSession => ({
    token_expires_at: token ? new Date(token.exp * 1000).toISOString() : null,
    credentials_valid_until: validUntil ? validUntil.toISOString() : null,
    credentials: token ? [...credentials, credentialId('identity_key', token.kid)] : credentials,
  });

  return {
    async authenticateClient({ appId, deviceId, apiKey, userToken }) {
      const { app, matched } = await appMatching(appId, apiKey, (a) => a.apiKey);
      if (!app || !matched) throw invalid();
      const apiKeyId = credentialId('api_key', credentialFingerprint(matched.hash));
      if (userToken === undefined) {
        if (app.identity === 'required') throw new AppError('INVALID_CREDENTIALS', 'this app requires a user token');
        return { principal: { kind: 'device', app_id: appId, device_id: deviceId }, session: sessionOf([apiKeyId], matched.validUntil, undefined) };
      }
      const token = await options.verifier.verify(userToken, { kind: 'user', appId });
      return {
        principal: { kind: 'user', app_id: appId, device_id: deviceId, user_id: token.sub },
        session: sessionOf([apiKeyId], matched.validUntil, token),
      };
    },

    async authenticateAgent(credentials, expectedAppId) {
      if ('agentToken' in credentials) {
        const token = await options.verifier.verify(credentials.agentToken, { kind: 'agent', appId: expectedAppId });
        return { principal: { kind: 'agent', app_id: token.appId, agent_id: token.sub, name: token.name }, session: sessionOf([], null, token) };
      }
      const appId = appIdOfAdminToken(credentials.adminToken);
      if (!appId || (expectedAppId !== undefined && expectedAppId !== appId)) throw invalid();
      const { matched } = await appMatching(appId, credentials.adminToken, (a) => a.adminToken);
      if (!matched) throw invalid();
      return {
        principal: { kind: 'agent', app_id: appId, agent_id: null, name: null },
        session: sessionOf([credentialId('admin_token', credentialFingerprint(matched.hash))], matched.validUntil, undefined),
      };
    },

    async refresh(principal, token) {
      const kind: TokenKind = principal.kind === 'agent' ? 'agent' : 'user';
      const verified = await options.verifier.verify(token, { kind, appId: principal.app_id });
      const sub = principal.kind === 'agent' ? principal.agent_id : principal.kind === 'user' ? principal.user_id : null;
      if (verified.sub !== sub) throw new AppError('FORBIDDEN', 'the token is for someone else than this connection');
      return sessionOf([], null, verified);
    },
  };
}
