import {
  ERROR_STATUS,
  INTERNAL_PATHS,
  INTERNAL_TOKEN_HEADER,
  NAMESPACES,
  type ErrorCode,
  type InternalAuthAdminResponse,
  type InternalAuthClientResponse,
} from '@switchboard/protocol';
import { appRoom, conversationRoom } from './rooms.js';

/** A refused namespace connect: its `connect_error` carries the code as message and `data.code`, as the gateway's do. */
export class HandshakeRefusal extends Error {
  constructor(readonly code: ErrorCode) {
    super(code);
  }
}

/** What a namespace connect admitted: the rooms the socket joins and the `conversation:joined` to send, if any. */
export interface Admission {
  readonly rooms: readonly string[];
  readonly joined: { readonly conversation_id: string; readonly last_message_id: string | null } | undefined;
}

export interface HandshakeAuthOptions {
  readonly messagesUrl: string;
  readonly internalToken: string | undefined;
}

/** Admits a namespace connect with its `auth`, or throws a `HandshakeRefusal`. */
export type HandshakeAuth = (nsp: string, auth: unknown) => Promise<Admission>;

const isCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
/** The service's answer as a handshake refusal: an `auth` it could not read lacks what a handshake needs, as the gateway says. */
const refusalCode = (code: unknown): ErrorCode => (code === 'VALIDATION_FAILED' ? 'MISSING_PARAMS' : isCode(code) ? code : 'UNAVAILABLE');

/**
 * The floor's one cost of knowing who connects: one call to the messages service's internal auth API per
 * namespace connect, as the gateway and the baseline make (`auth` is passed as the client sent it; the service
 * validates it). `/client` joins `conv:{latest}` (the device's or user's latest conversation), `/admin` joins `app:{id}`.
 */
export function createHandshakeAuth(options: HandshakeAuthOptions): HandshakeAuth {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.internalToken) headers[INTERNAL_TOKEN_HEADER] = options.internalToken;
  const post = async <T>(path: string, body: object): Promise<T> => {
    const response = await fetch(new URL(path, options.messagesUrl), { method: 'POST', headers, body: JSON.stringify(body) }).catch(() => {
      throw new HandshakeRefusal('UNAVAILABLE');
    });
    const answer = (await response.json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
    if (!response.ok) throw new HandshakeRefusal(refusalCode(answer?.error?.code));
    return answer as T;
  };
  return async (nsp, auth) => {
    if (typeof auth !== 'object' || auth === null) throw new HandshakeRefusal('MISSING_PARAMS');
    if (nsp === NAMESPACES.client) {
      const { latest_conversation: latest } = await post<InternalAuthClientResponse>(INTERNAL_PATHS.authClient, auth);
      return latest
        ? { rooms: [conversationRoom(latest.id)], joined: { conversation_id: latest.id, last_message_id: latest.last_message_id } }
        : { rooms: [], joined: undefined };
    }
    if (nsp === NAMESPACES.admin) {
      const { principal } = await post<InternalAuthAdminResponse>(INTERNAL_PATHS.authAdmin, auth);
      return { rooms: [appRoom(principal.app_id)], joined: undefined };
    }
    throw new HandshakeRefusal('NOT_FOUND');
  };
}
