import type { ConnectionCause } from '@switchboard/client';
import type { ServerShutdownPayload } from '@switchboard/protocol';

/** What the console says about its connection to the gateway. */
export type ConnectionStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'reconnecting'; readonly delayMs: number; readonly cause: string }
  | { readonly kind: 'shutdown'; readonly message: string; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly message: string };

export type ConnectionEvent =
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'reconnecting'; readonly delayMs: number; readonly cause: ConnectionCause }
  | { readonly type: 'server:shutdown'; readonly payload: ServerShutdownPayload }
  | { readonly type: 'failed'; readonly cause: ConnectionCause };

/**
 * The status after an event. A gateway going away says so (`server:shutdown`) and the reconnect that follows keeps
 * saying it until the console is connected again, so the agent sees why it is offline and for how long.
 */
export function nextConnectionStatus(status: ConnectionStatus, event: ConnectionEvent): ConnectionStatus {
  switch (event.type) {
    case 'connect':
      return { kind: 'connected' };
    case 'disconnect':
      return status.kind === 'shutdown' ? status : { kind: 'reconnecting', delayMs: 0, cause: 'disconnected' };
    case 'server:shutdown':
      return { kind: 'shutdown', message: event.payload.message, delayMs: event.payload.reconnect_delay_ms };
    case 'reconnecting':
      if (status.kind === 'shutdown') return { ...status, delayMs: event.delayMs };
      return { kind: 'reconnecting', delayMs: event.delayMs, cause: event.cause.code };
    case 'failed':
      return { kind: 'failed', message: event.cause.message };
  }
}

/** The banner's text for a status; `null` when connected (nothing to say). */
export function connectionMessage(status: ConnectionStatus): string | null {
  switch (status.kind) {
    case 'connected':
      return null;
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return `Reconnecting (${status.cause})${status.delayMs > 0 ? ` in ${Math.ceil(status.delayMs / 1000)} s` : ''}… Messages you send now go out once connected.`;
    case 'shutdown':
      return `The server is restarting: reconnecting in ${Math.ceil(status.delayMs / 1000)} s… (${status.message})`;
    case 'failed':
      return `Cannot connect: ${status.message}`;
  }
}
