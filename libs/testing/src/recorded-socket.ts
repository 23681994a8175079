import type { Socket } from 'socket.io-client';
import type { AdminToServerEvents, ClientToServerEvents, ServerToAdminEvents, ServerToClientEvents } from '@switchboard/protocol';
import { waitFor } from './wait-for.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type AdminSocket = Socket<ServerToAdminEvents, AdminToServerEvents>;

/** A socket that records every event it receives, in order. */
export interface Recorded<S extends Socket> {
  readonly socket: S;
  readonly events: { name: string; payload: any }[];
  of(name: string): any[];
  /** Waits until `count` events named `name` arrived, and returns them. */
  waitFor(name: string, count?: number, timeoutMs?: number): Promise<any[]>;
  close(): void;
}

/** Records what `socket` receives from now on. */
export function record<S extends Socket>(socket: S): Recorded<S> {
  const events: { name: string; payload: any }[] = [];
  socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
  const of = (name: string) => events.filter((e) => e.name === name).map((e) => e.payload);
  return {
    socket,
    events,
    of,
    waitFor: (name, count = 1, timeoutMs = 5000) =>
      waitFor(() => (of(name).length >= count ? of(name) : undefined), { timeoutMs, message: `${count} × ${name}` }),
    close: () => void socket.close(),
  };
}
