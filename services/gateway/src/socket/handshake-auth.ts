import {
  AdminAuth,
  ClientAuth,
  type AuthSession,
  type InternalAuthClientResponse,
  type Principal,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { MessagesApi } from '../messages-api.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SessionFields } from './auth-session.js';
import { errorCodeOf, handshakeRefusal } from './errors.js';
import type { AdminSocket, ClientSocket, SocketData } from './types.js';

type Next = (error?: Error) => void;

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

/**
 * Connection state recovery restores a session from its private id alone, before the handshake runs: a recovered
 * socket carries the previous owner's `data` and rooms. It may go on only if that owner is who just authenticated
 * (else a client that changed its credentials, or anyone holding the id, would get another device's rooms).
 */
const foreignSession = (socket: ClientSocket | AdminSocket, principal: Principal) => {
  if (!socket.recovered) return false;
  const previous = (socket.data as Partial<SocketData> | undefined)?.principal;
  return (
    previous?.kind !== principal.kind ||
    previous.app_id !== principal.app_id ||
    (previous.kind !== 'agent' && principal.kind !== 'agent' && previous.device_id !== principal.device_id) ||
    (previous.kind === 'user' && principal.kind === 'user' && previous.user_id !== principal.user_id) ||
    (previous.kind === 'agent' && principal.kind === 'agent' && previous.agent_id !== principal.agent_id)
  );
};
const FOREIGN_SESSION = 'the recovered session belongs to another app or device';

/**
 * Handshake of `/client`: `{ app_id, device_id, api_key }` checked by the messages service. Absent pieces are
 * `MISSING_PARAMS`, wrong ones `INVALID_CREDENTIALS`, and a messages service that cannot answer `UNAVAILABLE`.
 * Runs again for a recovered connection (`skipMiddlewares: false`).
 */
export function clientHandshake(
  api: MessagesApi,
  metrics: GatewayMetrics,
  logger: Logger,
  onAuthenticated: (socket: ClientSocket, answer: InternalAuthClientResponse) => void,
  readSession: (session: AuthSession) => SessionFields,
) {
  return async (socket: ClientSocket, next: Next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const refuse = (code: 'MISSING_PARAMS' | 'INVALID_CREDENTIALS' | 'UNAVAILABLE', message: string) => {
      metrics.refusals.inc({ namespace: '/client', code });
      next(handshakeRefusal(code, message));
    };
    if (!present(auth.app_id) || !present(auth.device_id) || !present(auth.api_key)) {
      return refuse('MISSING_PARAMS', 'auth needs app_id, device_id and api_key');
    }
    const parsed = ClientAuth.safeParse(auth);
    if (!parsed.success) return refuse('INVALID_CREDENTIALS', 'the credentials are not valid');
    try {
      const answer = await api.authenticateClient(parsed.data);
      const principal = answer.principal;
      if (foreignSession(socket, principal)) return refuse('INVALID_CREDENTIALS', FOREIGN_SESSION);
      // The token's exp, a rotated-out credential's end and the credential ids, for `session-enforcer.ts`.
      socket.data = { principal, connectedAt: new Date().toISOString(), ...readSession(answer.session) };
      onAuthenticated(socket, answer);
      next();
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === 'INVALID_CREDENTIALS') return refuse(code, 'the credentials are not valid');
      logger.warn({ err: error }, 'cannot check client credentials');
      refuse('UNAVAILABLE', 'credentials cannot be checked right now, retry later');
    }
  };
}

/** Handshake of `/admin`: `{ app_id, admin_token }`, refused like `/client`. */
export function adminHandshake(api: MessagesApi, metrics: GatewayMetrics, logger: Logger, readSession: (session: AuthSession) => SessionFields) {
  return async (socket: AdminSocket, next: Next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const refuse = (code: 'MISSING_PARAMS' | 'INVALID_CREDENTIALS' | 'UNAVAILABLE', message: string) => {
      metrics.refusals.inc({ namespace: '/admin', code });
      next(handshakeRefusal(code, message));
    };
    if (!present(auth.app_id) || (!present(auth.admin_token) && !present(auth.agent_token))) {
      return refuse('MISSING_PARAMS', 'auth needs app_id and admin_token or agent_token');
    }
    const parsed = AdminAuth.safeParse(auth);
    if (!parsed.success) return refuse('INVALID_CREDENTIALS', 'the credentials are not valid');
    try {
      const answer = await api.authenticateAdmin(parsed.data);
      const principal = answer.principal;
      if (foreignSession(socket, principal)) return refuse('INVALID_CREDENTIALS', FOREIGN_SESSION);
      // The token's exp, a rotated-out credential's end and the credential ids, for `session-enforcer.ts`.
      socket.data = { principal, connectedAt: new Date().toISOString(), ...readSession(answer.session) };
      next();
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === 'INVALID_CREDENTIALS') return refuse(code, 'the credentials are not valid');
      logger.warn({ err: error }, 'cannot check admin credentials');
      refuse('UNAVAILABLE', 'credentials cannot be checked right now, retry later');
    }
  };
}
