/**
 * The key layout of presence in Redis, the one copy: the gateway's registry writes these keys and readers (the
 * webhooks service's `recipient_online`) read them. The in-memory store of `npm start` names its sets the same way.
 *
 * Keys (P = the presence prefix, see `presenceKeyPrefix`):
 * - `P:dev:{app}:{device}`: set of the device's live connection ids;
 * - `P:user:{app}:{user}`: set of a signed-in user's live connection ids, on all of their devices;
 * - `P:agents:{app}`: set of the app's live agent (`/admin`) connections, as `{connection}\t{node}`;
 * - `P:sess:{app}`: hash connection id → session JSON (kept while a departure is in its grace);
 * - `P:left:{app}`: hash connection id → token of its departure in grace;
 * - `P:away:{app}:{device}`: token of the departure that left the device without connections;
 * - `P:node:{node}`: set of the node's live client connections; `P:node-agents:{node}`: its agent connections, as
 *   `{app}\t{connection}`; `P:leaving:{node}`: its departures in grace (for the sweep);
 * - `P:alive:{node}`: the node's liveness, with a TTL (`NODE_TTL_MS`); `P:seen:{node}`: the same heartbeat with
 *   the longer TTL of a node whose Redis connection stays open (`NODE_LOST_MS`, see `nodeConnectionName`);
 *   `P:nodes`: the node ids; `P:sweep-lock`.
 *
 * No key is ever found by scanning. Ids never contain a tab (their patterns exclude it) and app ids no colon.
 */
export interface PresenceKeys {
  device(appId: string, deviceId: string): string;
  user(appId: string, userId: string): string;
  agents(appId: string): string;
  sessions(appId: string): string;
  departures(appId: string): string;
  away(appId: string, deviceId: string): string;
  node(nodeId: string): string;
  nodeAgents(nodeId: string): string;
  leaving(nodeId: string): string;
  alive(nodeId: string): string;
  seen(nodeId: string): string;
  readonly nodes: string;
  readonly sweepLock: string;
}

/** The prefix of every presence key, under the platform's `REDIS_KEY_PREFIX`. */
export function presenceKeyPrefix(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}:presence`;
}

export function presenceKeys(prefix: string): PresenceKeys {
  return {
    device: (appId, deviceId) => `${prefix}:dev:${appId}:${deviceId}`,
    user: (appId, userId) => `${prefix}:user:${appId}:${userId}`,
    agents: (appId) => `${prefix}:agents:${appId}`,
    sessions: (appId) => `${prefix}:sess:${appId}`,
    departures: (appId) => `${prefix}:left:${appId}`,
    away: (appId, deviceId) => `${prefix}:away:${appId}:${deviceId}`,
    node: (nodeId) => `${prefix}:node:${nodeId}`,
    nodeAgents: (nodeId) => `${prefix}:node-agents:${nodeId}`,
    leaving: (nodeId) => `${prefix}:leaving:${nodeId}`,
    alive: (nodeId) => `${prefix}:alive:${nodeId}`,
    seen: (nodeId) => `${prefix}:seen:${nodeId}`,
    nodes: `${prefix}:nodes`,
    sweepLock: `${prefix}:sweep-lock`,
  };
}

/**
 * The name (`CLIENT SETNAME`) of the Redis connection a gateway node's registry heartbeats on. The sweeper tells a
 * paused node from a dead one by it: the kernel closes a dead process's connections, a stopped (or stalled) process
 * keeps them, so a node whose liveness lapsed while this connection is still open is waited for, up to its
 * `P:seen:{node}`. Under the presence prefix, so environments sharing one Redis never see each other's nodes.
 */
export const nodeConnectionName = (prefix: string, nodeId: string) => `${prefix}:gateway:${nodeId}`;

/** A member of `P:agents:{app}`: the connection and the node holding it (a recovered id may move to another node). */
export const agentMember = (connectionId: string, nodeId: string) => `${connectionId}\t${nodeId}`;

/** A member of `P:node-agents:{node}`: the agent connection and its app, and back. */
export const nodeAgentMember = (appId: string, connectionId: string) => `${appId}\t${connectionId}`;
export function parseNodeAgentMember(value: string): { appId: string; connectionId: string } | undefined {
  const [appId, connectionId] = value.split('\t');
  return appId && connectionId ? { appId, connectionId } : undefined;
}
