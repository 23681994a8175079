import { z } from 'zod';
import { NATS_PREFIX_PATTERN, NATS_PREFIX_RULE } from '@switchboard/protocol';
import { bool, csvList, nodeId, loadConfig, logFormat, logLevel, port, positiveInt, secret, url, type Env } from '@switchboard/config';

/**
 * Environment of the gateway (CONTRACT.md, "Processes, ports, environment" and "Gateway tuning"). Variables past
 * the contract's are optional tuning; their defaults are what production should run.
 */
export const GatewayEnv = z.object({
  REDIS_URL: url(['redis', 'rediss']),
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']),
  /** A NATS credentials file (user JWT and seed); user/password or a token may also be given in `NATS_URL`. @default unset */
  NATS_CREDS: z.string().optional(),
  /**
   * Prefixes every NATS subject (`<prefix>.message.created`), stream (`<prefix>_MESSAGES`) and durable consumer
   * (`<prefix>_gateway-fanout`), for environments sharing one NATS server without an account each.
   * @default '' (the contract's names)
   */
  NATS_PREFIX: z.string().regex(NATS_PREFIX_PATTERN, `must be ${NATS_PREFIX_RULE}`).default(''),
  MESSAGES_URL: url(['http', 'https']),
  /** @default 3000 */
  GATEWAY_PORT: port(3000),
  /** @default '0.0.0.0' */
  GATEWAY_HOST: z.string().default('0.0.0.0'),
  /** This node's id in logs, metrics and session records. @default hostname-pid */
  NODE_ID: nodeId,
  INTERNAL_TOKEN: secret.optional(),
  ALLOWED_ORIGINS: csvList.optional(),
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  PING_INTERVAL_MS: positiveInt(25_000),
  PING_TIMEOUT_MS: positiveInt(20_000),
  MAX_PAYLOAD_BYTES: positiveInt(65_536),
  DRAIN_WINDOW_MS: positiveInt(20_000),
  /** Accept HTTP long-polling as well as WebSocket (needs sticky sessions). @default false */
  ALLOW_POLLING: bool(false),
  /** Prefix of every Redis key and stream this gateway uses. @default 'switchboard' */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/).default('switchboard'),
  /** How often this node refreshes its liveness key. @default 3000 */
  NODE_HEARTBEAT_MS: positiveInt(3_000),
  /** A node whose liveness key is older than this is swept (its presence and sessions removed). @default 10000 */
  NODE_TTL_MS: positiveInt(10_000),
  /**
   * A node past `NODE_TTL_MS` whose Redis connection is still open (paused by SIGSTOP, a stall; or its host lost
   * with the network, where no kernel closes its connections) is swept only once its last heartbeat is this old. A
   * node that died has its connections closed by the kernel and is swept after `NODE_TTL_MS`. @default 60000
   */
  NODE_LOST_MS: positiveInt(60_000),
  /**
   * A device whose last connection closed is announced offline only after this long without a new one (on any
   * node); a connection recovered within it announces nothing at all. 0 announces at once. @default 3000
   */
  PRESENCE_GRACE_MS: positiveInt(3_000),
  /** How often a node looks for dead nodes to sweep. @default 3000 */
  SWEEP_INTERVAL_MS: positiveInt(3_000),
  /** A socket whose send buffer stays above this is a slow consumer. @default 1048576 */
  SLOW_CONSUMER_BUFFER_BYTES: positiveInt(1_048_576),
  /** How long a socket may stay above the buffer threshold before it is disconnected. @default 3000 */
  SLOW_CONSUMER_GRACE_MS: positiveInt(3_000),
  /** Events a connection may send per second (bursts of twice that); more are refused with RATE_LIMITED. @default 20 */
  EVENT_RATE_PER_SECOND: positiveInt(20),
  /**
   * Failed handshakes (`MISSING_PARAMS`, `INVALID_CREDENTIALS`, `TOKEN_EXPIRED`) an address may have in a minute;
   * past it, its handshakes are refused `RATE_LIMITED` whatever credentials they carry, until the minute ends.
   * Counted on every node together in Redis. 0: off. @default 30
   */
  AUTH_FAILURES_PER_IP_PER_MINUTE: positiveInt(30),
  /** Open sockets a device may hold on all nodes together; one more is refused `RATE_LIMITED`. 0: off. @default 10 */
  MAX_CONNECTIONS_PER_DEVICE: positiveInt(10),
  /**
   * Sockets an address may open in 10 s (every node together); more are refused `RATE_LIMITED`. For deployments
   * without a connection limit at their ingress. 0: off. @default 0
   */
  CONNECTIONS_PER_IP_PER_10S: positiveInt(0),
  /**
   * Proxies in front of the gateway that append to `X-Forwarded-For` (an ingress: 1; a cloud load balancer and an
   * ingress: 2). The client address is then that header's n-th entry from the right; 0: the socket's remote address.
   * Set it to exactly the number of proxies: more lets clients choose their address. @default 0
   */
  TRUSTED_PROXY_HOPS: positiveInt(0),
  /** How long the gateway reuses the messages service's answer to an agent's credentials (a device's is not reused). @default 2000 */
  AUTH_CACHE_TTL_MS: positiveInt(2_000),
  /**
   * Handshake auth calls to the messages service in flight at most on this process; more wait in a queue of
   * `AUTH_QUEUE_LENGTH`, and past that a handshake is refused `UNAVAILABLE` at once, so a flood cannot starve other
   * clients' handshakes. 0: unbounded. @default 64
   */
  AUTH_CONCURRENCY: positiveInt(64),
  /** Handshakes that may wait for an auth slot (see `AUTH_CONCURRENCY`); 0: none wait. @default 256 */
  AUTH_QUEUE_LENGTH: positiveInt(256),
  /** Time limit of a call to the messages service. @default 5000 */
  MESSAGES_TIMEOUT_MS: positiveInt(5_000),
});

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: Env) {
  return loadConfig(GatewayEnv, env);
}

/** The gateway's variables without the URLs of its dependencies: for the embedded mode, which supplies its own. */
export const GatewayTuningEnv = GatewayEnv.omit({ REDIS_URL: true, NATS_URL: true, MESSAGES_URL: true });
