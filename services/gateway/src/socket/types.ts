import type { Namespace, Socket } from 'socket.io';
import type {
  AdminToServerEvents,
  AgentPrincipal,
  ClientToServerEvents,
  ClientPrincipal,
  Principal,
  ServerToAdminEvents,
  ServerToClientEvents,
  ServerToSocketEvents,
} from '@switchboard/protocol';

/**
 * What a socket carries after its handshake. Kept small and JSON-only (`fetchSockets()` carries it between nodes),
 * and every byte here is paid per connection.
 */
export interface SocketData<P extends Principal = Principal> {
  /** Who is connected, as the messages service authenticated it; sent as is with every internal request. */
  principal: P;
  connectedAt: string;
  /** The user or agent token's `exp`, in epoch seconds; absent without a token (`auth-session.ts`). */
  tokenExp?: number;
  /** The end of a rotated-out credential's grace, in epoch seconds; absent while every credential used is current. */
  credentialsUntil?: number;
  /** The `credentialId`s the socket authenticated with (an array shared by the sockets that used the same ones). */
  credentials?: readonly string[];
}

type NoEvents = Record<string, never>;
export type ClientNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, NoEvents, SocketData<ClientPrincipal>>;
export type AdminNamespace = Namespace<AdminToServerEvents, ServerToAdminEvents, NoEvents, SocketData<AgentPrincipal>>;
export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoEvents, SocketData<ClientPrincipal>>;
export type AdminSocket = Socket<AdminToServerEvents, ServerToAdminEvents, NoEvents, SocketData<AgentPrincipal>>;
export type AnySocket = ClientSocket | AdminSocket;
/** Either namespace's socket, for what the server sends on both (`conversation:joined`, `error`). */
export type EmittingSocket = Socket<object, ServerToSocketEvents, NoEvents, SocketData>;
/** The event map a socket listens to (its namespace's, from `libs/protocol`). */
export type ListenEventsOf<S> = S extends Socket<infer L, any, any, any> ? L : never;

export const conversationRoom = (conversationId: string) => `conv:${conversationId}`;
export const appRoom = (appId: string) => `app:${appId}`;
