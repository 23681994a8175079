import type { Namespace, Socket } from 'socket.io';
import type { AdminToServerEvents, ClientToServerEvents, ServerToAdminEvents, ServerToClientEvents } from '@switchboard/protocol';

/**
 * What a socket carries after its handshake. Kept small and JSON-only: the adapter stores it for connection state
 * recovery, and every byte here is paid per connection.
 */
export interface SocketData {
  kind: 'client' | 'agent';
  appId: string;
  /** Clients only. */
  deviceId?: string;
  connectedAt: string;
}

type NoEvents = Record<string, never>;
export type ClientNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, NoEvents, SocketData>;
export type AdminNamespace = Namespace<AdminToServerEvents, ServerToAdminEvents, NoEvents, SocketData>;
export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoEvents, SocketData>;
export type AdminSocket = Socket<AdminToServerEvents, ServerToAdminEvents, NoEvents, SocketData>;
export type AnySocket = ClientSocket | AdminSocket;

export const conversationRoom = (conversationId: string) => `conv:${conversationId}`;
export const appRoom = (appId: string) => `app:${appId}`;
