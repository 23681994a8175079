import type { ErrorCode } from '@switchboard/protocol';
import { addressLimitKey, type FailOpen, type WindowCounter } from '@switchboard/runtime';
import type { GatewayMetrics } from '../metrics.js';
import type { ConnectionRegistry } from '../presence/connection-registry.js';
import { handshakeRefusal } from '../socket/errors.js';
import type { AnySocket, ClientSocket } from '../socket/types.js';

type Next = (error?: Error) => void;
type Middleware<S> = (socket: S, next: Next) => void | Promise<void>;
type Namespace = '/client' | '/admin';

/** The limits a refusal is counted under (`switchboard_gateway_limit_refusals_total{limit}`), and failed open under. */
export const HANDSHAKE_LIMITS = ['auth_failures', 'connection_rate', 'device_connections'] as const;
export type HandshakeLimit = (typeof HANDSHAKE_LIMITS)[number];

/** Refusals that count as a failed authentication of the address (`UNAVAILABLE`, `RATE_LIMITED` do not). */
const AUTH_FAILURES: ReadonlySet<string> = new Set<ErrorCode>(['MISSING_PARAMS', 'INVALID_CREDENTIALS', 'TOKEN_EXPIRED']);

export interface HandshakeLimitsOptions {
  /** `AUTH_FAILURES_PER_IP_PER_MINUTE`; 0: off. */
  readonly authFailuresPerMinute: number;
  /** `CONNECTIONS_PER_IP_PER_10S`; 0: off. */
  readonly connectionsPer10s: number;
  /** `MAX_CONNECTIONS_PER_DEVICE`; 0: off. */
  readonly maxConnectionsPerDevice: number;
  /** Failed handshakes per address, in windows of a minute (Redis: every node's together). */
  readonly failures: WindowCounter;
  /** Namespace connections per address, in windows of 10 s. */
  readonly connections: WindowCounter;
  /** Live connections of a device on every node (the presence registry). */
  readonly registry: Pick<ConnectionRegistry, 'countDeviceConnections'>;
  /** The client address of a socket (`TRUSTED_PROXY_HOPS` applied). */
  readonly addressOf: (socket: AnySocket) => string;
  readonly failOpen: FailOpen;
  readonly metrics: GatewayMetrics;
}

/**
 * The connection and authentication limits of the handshake (CONTRACT.md, "Connection and authentication limits"),
 * as three namespace middlewares around the authentication:
 * - `beforeAuth` refuses an address over its failure limit (whatever credentials it sends) or over its connection
 *   rate, before the messages service is asked anything;
 * - `countingFailures(auth)` decorates the authentication middleware: every refusal it passes to `next` for bad
 *   credentials counts one failure for the address;
 * - `afterAuth` refuses a device that already holds `MAX_CONNECTIONS_PER_DEVICE` live sockets on all nodes.
 * Each refusal is `connect_error` `RATE_LIMITED`, with `retry_after_ms` when the address's window ends. A store that fails or hangs lets the handshake through (`failOpen`).
 */
export interface HandshakeLimits {
  beforeAuth(namespace: Namespace): Middleware<AnySocket>;
  countingFailures<S extends AnySocket>(auth: Middleware<S>): Middleware<S>;
  afterAuth(namespace: Namespace): Middleware<ClientSocket>;
}

export function createHandshakeLimits(options: HandshakeLimitsOptions): HandshakeLimits {
  const { metrics, failOpen } = options;
  /** `retryAfterMs`: when the address's window ends (as REST's `Retry-After`); none for a device's connection cap. */
  const refuse = (namespace: Namespace, limit: HandshakeLimit, next: Next, message: string, retryAfterMs?: number) => {
    metrics.refusals.inc({ namespace, code: 'RATE_LIMITED', reason: 'rate_limited' });
    metrics.limitRefusals.inc({ namespace, limit });
    next(handshakeRefusal('RATE_LIMITED', message, retryAfterMs));
  };
  const none = { count: 0, resetMs: 0 };

  return {
    beforeAuth(namespace) {
      return async (socket, next) => {
        const key = addressLimitKey(options.addressOf(socket));
        if (options.authFailuresPerMinute > 0) {
          const failed = await failOpen.run('auth_failures', () => options.failures.peek(key), none);
          if (failed.count >= options.authFailuresPerMinute) {
            return refuse(namespace, 'auth_failures', next, `too many failed authentications from this address, retry in ${Math.ceil(failed.resetMs / 1000)} s`, failed.resetMs);
          }
        }
        if (options.connectionsPer10s > 0) {
          const opened = await failOpen.run('connection_rate', () => options.connections.hit(key), none);
          if (opened.count > options.connectionsPer10s) {
            return refuse(namespace, 'connection_rate', next, `too many connections from this address, retry in ${Math.ceil(opened.resetMs / 1000)} s`, opened.resetMs);
          }
        }
        next();
      };
    },
    countingFailures(auth) {
      if (options.authFailuresPerMinute === 0) return auth;
      return (socket, next) =>
        auth(socket, (error) => {
          const code = (error as { data?: { code?: unknown } } | undefined)?.data?.code;
          if (!error || typeof code !== 'string' || !AUTH_FAILURES.has(code)) return next(error);
          // Counted before the refusal goes out, so that the address's next attempt sees it.
          const key = addressLimitKey(options.addressOf(socket));
          void failOpen.run('auth_failures', () => options.failures.hit(key), none).then(() => next(error));
        });
    },
    afterAuth(namespace) {
      return async (socket, next) => {
        const max = options.maxConnectionsPerDevice;
        if (max === 0) return next();
        const { app_id, device_id } = socket.data.principal;
        const open = await failOpen.run('device_connections', () => options.registry.countDeviceConnections(app_id, device_id), 0);
        if (open >= max) return refuse(namespace, 'device_connections', next, `this device already holds ${max} connections`);
        next();
      };
    },
  };
}
