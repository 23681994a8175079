import { appIdOfAdminToken } from '@switchboard/protocol/http-api';
import type { AgentCredentials } from './agent-client.js';
import { jwtClaims, tokenExpiry } from './token-expiry.js';

/** Who a sign-in token makes the agent: what a console needs to open an `AgentClient` from the token alone. */
export interface AgentSignIn {
  /** The app the token names (an admin token's `sba.<app_id>.…`, an agent token's `aud`). */
  readonly appId: string;
  readonly kind: 'admin_token' | 'agent_token';
  /** The agent's id (`sub`): the `assignee_id` of the conversations assigned to it. `null` for the admin token. */
  readonly agentId: string | null;
  /** The agent token's `name`, if any. */
  readonly name: string | null;
  /** The agent token's `exp` (ms since the epoch), if any. */
  readonly expiresAt: number | undefined;
  /** The `AgentClient` credentials for this token (a fixed token: the SDK cannot fetch a new one by itself). */
  readonly credentials: AgentCredentials;
}

/**
 * Reads what a sign-in token says about itself (CONTRACT.md, "Agent console": "an admin token names its app, an
 * agent token names it in `aud`, so signing in needs only the token"). Nothing is verified here: the server judges
 * the token on connect. Throws a `TypeError` naming the problem when it is neither kind.
 */
export function agentSignIn(token: string): AgentSignIn {
  const trimmed = token.trim();
  const adminApp = appIdOfAdminToken(trimmed);
  if (adminApp !== undefined) {
    return { appId: adminApp, kind: 'admin_token', agentId: null, name: null, expiresAt: undefined, credentials: { adminToken: trimmed } };
  }
  const claims = jwtClaims(trimmed);
  if (!claims) throw new TypeError('not an admin token (sba.…) or an agent token (a JWT)');
  const aud = Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : claims.aud;
  if (typeof aud !== 'string' || aud === '') throw new TypeError('the agent token names no app (aud)');
  if (claims.role !== 'agent') throw new TypeError('the token is not an agent token (role is not "agent")');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new TypeError('the agent token names no agent (sub)');
  return {
    appId: aud,
    kind: 'agent_token',
    agentId: claims.sub,
    name: typeof claims.name === 'string' ? claims.name : null,
    expiresAt: tokenExpiry(trimmed),
    credentials: { getAgentToken: () => trimmed },
  };
}
