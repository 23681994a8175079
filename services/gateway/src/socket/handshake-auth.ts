import {
  AdminAuth,
  ClientAuth,
  type AuthSession,
  type InternalAuthClientResponse,
  type Principal,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import type { AuthGate } from './auth-gate.js';
import type { SessionFields } from './auth-session.js';
import { errorCodeOf, handshakeRefusal } from './errors.js';
import { HandshakeRefused, reasonOf, type RefusalReason } from './handshake-refusals.js';
import type { AdminSocket, ClientSocket, SocketData } from './types.js';

type Next = (error?: Error) => void;
type RefusalCode = 'MISSING_PARAMS' | 'INVALID_CREDENTIALS' | 'TOKEN_EXPIRED' | 'UNAVAILABLE';
const REFUSED_BY_MESSAGES = { INVALID_CREDENTIALS: 'the credentials are not valid', TOKEN_EXPIRED: 'the token has expired' } as const;

/**
 * Counts the refusal by code and reason (given, or a thrown gateway refusal's own, else the code's) and answers
 * `connect_error`.
 */
const refuser =
  (namespace: '/client' | '/admin', metrics: GatewayMetrics, next: Next) =>
  (code: RefusalCode, message: string, why?: RefusalReason | unknown) => {
    metrics.refusals.inc({ namespace, code, reason: reasonOf(why, code) });
    next(handshakeRefusal(code, message, why instanceof HandshakeRefused ? why.retryAfterMs : undefined));
  };

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

/**
 * Connection state recovery restores a session from its private id alone, before the handshake runs: a recovered
 * socket carries the previous owner's `data` and rooms. It may go on only if that owner is who just authenticated
 * (else a client that changed its credentials, or anyone holding the id, would get another device's rooms).
 * Recovery is off since room events ride NATS (socket-server.ts); this guard stays for as long as the option exists.
 */
const foreignSession = (socket: ClientSocket | AdminSocket, principal: Principal) => {
  if (!socket.recovered) return false;
  const previous = (socket.data as Partial<SocketData> | undefined)?.principal;
  return previous === undefined || ownerOf(previous) !== ownerOf(principal);
};
/** Who a principal is, as one string: its kind, app, device and user or agent. */
const ownerOf = (p: Principal) =>
  [p.kind, p.app_id, p.kind === 'agent' ? '' : p.device_id, p.kind === 'user' ? p.user_id : p.kind === 'agent' ? (p.agent_id ?? '') : ''].join('\n');
const FOREIGN_SESSION = 'the recovered session belongs to another app or device';

/**
 * After the messages service answered: a recovered session of someone else is refused; else the socket keeps its
 * principal and what the answer says of its credentials (the token's exp, a rotated-out credential's end and the
 * credential ids, for `session-enforcer.ts`).
 */
function admit(
  socket: ClientSocket | AdminSocket,
  answer: { readonly principal: Principal; readonly session: AuthSession },
  readSession: (session: AuthSession) => SessionFields,
  refuse: ReturnType<typeof refuser>,
): boolean {
  if (foreignSession(socket, answer.principal)) {
    refuse('INVALID_CREDENTIALS', FOREIGN_SESSION, 'foreign_session');
    return false;
  }
  (socket as { data: SocketData }).data = { principal: answer.principal, connectedAt: new Date().toISOString(), ...readSession(answer.session) };
  return true;
}

/** A failed authentication: the messages service's refusal as it is, the gateway's own counted, the rest logged. */
function refuseFailure(error: unknown, refuse: ReturnType<typeof refuser>, logger: Logger, what: string): void {
  const code = errorCodeOf(error);
  if (code === 'INVALID_CREDENTIALS' || code === 'TOKEN_EXPIRED') return refuse(code, REFUSED_BY_MESSAGES[code], error);
  // The gateway's own refusals (auth queue full, connection gone) are counted, not logged: a flood makes many.
  if (error instanceof HandshakeRefused) return refuse('UNAVAILABLE', error.message, error);
  logger.warn({ err: error }, `cannot check ${what} credentials`);
  refuse('UNAVAILABLE', 'credentials cannot be checked right now, retry later', error);
}

/**
 * Handshake of `/client`: `{ app_id, device_id, api_key }` checked by the messages service. Absent pieces are
 * `MISSING_PARAMS`, wrong ones `INVALID_CREDENTIALS`, and a messages service that cannot answer `UNAVAILABLE`.
 * Runs again for a recovered connection (`skipMiddlewares: false`).
 */
export function clientHandshake(
  gate: AuthGate,
  metrics: GatewayMetrics,
  logger: Logger,
  onAuthenticated: (socket: ClientSocket, answer: InternalAuthClientResponse) => void,
  readSession: (session: AuthSession) => SessionFields,
) {
  return async (socket: ClientSocket, next: Next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const refuse = refuser('/client', metrics, next);
    if (!present(auth.app_id) || !present(auth.device_id) || !present(auth.api_key)) {
      return refuse('MISSING_PARAMS', 'auth needs app_id, device_id and api_key');
    }
    const parsed = ClientAuth.safeParse(auth);
    if (!parsed.success) return refuse('INVALID_CREDENTIALS', 'the credentials are not valid');
    try {
      const answer = await gate.authenticateClient(socket, parsed.data);
      if (!admit(socket, answer, readSession, refuse)) return;
      onAuthenticated(socket, answer);
      next();
    } catch (error) {
      refuseFailure(error, refuse, logger, 'client');
    }
  };
}

/** Handshake of `/admin`: `{ app_id, admin_token }`, refused like `/client`. */
export function adminHandshake(gate: AuthGate, metrics: GatewayMetrics, logger: Logger, readSession: (session: AuthSession) => SessionFields) {
  return async (socket: AdminSocket, next: Next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const refuse = refuser('/admin', metrics, next);
    if (!present(auth.app_id) || (!present(auth.admin_token) && !present(auth.agent_token))) {
      return refuse('MISSING_PARAMS', 'auth needs app_id and admin_token or agent_token');
    }
    const parsed = AdminAuth.safeParse(auth);
    if (!parsed.success) return refuse('INVALID_CREDENTIALS', 'the credentials are not valid');
    try {
      const answer = await gate.authenticateAdmin(socket, parsed.data);
      if (!admit(socket, answer, readSession, refuse)) return;
      next();
    } catch (error) {
      refuseFailure(error, refuse, logger, 'admin');
    }
  };
}
