import { AppCredentialsRevokedEvent } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { FanoutResult } from '../fanout/fanout-handler.js';
import type { MessagesApi } from '../messages-api.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SessionEnforcer } from '../socket/session-enforcer.js';

/** The server-side event one node sends the others (through the Socket.IO adapter) for a revocation. */
export const REVOCATION_NODE_EVENT = 'credentials:revoked';

/** What the relay needs of Socket.IO's server-side events (the main namespace of `io`). */
export interface NodeChannel {
  serverSideEmit(event: string, ...args: unknown[]): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

export interface RevocationRelayOptions {
  /** The other nodes, through the adapter; `undefined` in one process (Socket.IO's in-memory adapter has no peers). */
  readonly nodes: NodeChannel | undefined;
  readonly sessions: SessionEnforcer;
  readonly api: MessagesApi;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * `app.credentials_revoked` reaches every socket on every node. The shared `gateway-events` consumer hands each
 * event to one node; that node tells every other node through the Socket.IO adapter (`serverSideEmit`, on the
 * Redis stream the adapter already reads) and applies it to its own sockets. Each node ends its sockets of that
 * app whose credentials include `credential_id` at `valid_until` (at once when it has passed) and stops reusing
 * the app's cached agent auth answers. Returns the route for the events handler.
 */
export function createRevocationRelay(options: RevocationRelayOptions): (data: unknown) => FanoutResult {
  const { sessions, api, metrics, nodes } = options;
  const apply = (event: AppCredentialsRevokedEvent, source: 'consumer' | 'node') => {
    api.forgetApp(event.app_id);
    sessions.revoke(event);
    metrics.revocations.inc({ source });
  };
  nodes?.on(REVOCATION_NODE_EVENT, (data: unknown) => {
    const parsed = AppCredentialsRevokedEvent.safeParse(data);
    if (parsed.success) apply(parsed.data, 'node');
    else options.logger.warn('dropping a malformed revocation from another node');
  });
  return (data) => {
    const parsed = AppCredentialsRevokedEvent.safeParse(data);
    if (!parsed.success) return 'malformed';
    nodes?.serverSideEmit(REVOCATION_NODE_EVENT, parsed.data);
    apply(parsed.data, 'consumer');
    return 'emitted';
  };
}
