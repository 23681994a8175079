import type { SessionInfo } from '@switchboard/protocol';

/** One client (device) connection, as the registry keeps it. */
export interface ConnectionRecord {
  readonly connectionId: string;
  readonly appId: string;
  readonly deviceId: string;
  readonly nodeId: string;
  readonly connectedAt: string;
}

/** A device's presence after a change, and whether the change crossed online/offline. */
export interface PresenceUpdate {
  /** False when the registry already knew (add) or no longer knew (remove) this connection. */
  readonly changed: boolean;
  /** True when this change took the device across the online/offline boundary. */
  readonly crossed: boolean;
  readonly activeConnections: number;
}

export interface SweptConnection {
  readonly record: ConnectionRecord;
  readonly update: PresenceUpdate;
}

/**
 * Presence and sessions of client connections across all gateway nodes. Each change is atomic in the store, so
 * of two nodes changing one device at once exactly one sees the boundary crossed.
 */
export interface ConnectionRegistry {
  add(record: ConnectionRecord): Promise<PresenceUpdate>;
  remove(record: ConnectionRecord): Promise<PresenceUpdate>;
  /** The app's sessions on every node, from the shared registry (never asks other nodes). */
  listSessions(appId: string): Promise<SessionInfo[]>;
  /** Refreshes this node's liveness; `swept` is true when this node had been taken for dead (re-add its connections). */
  heartbeat(nodeId: string): Promise<{ swept: boolean }>;
  /** Removes the connections of nodes whose liveness expired; the caller announces the updates. */
  sweepDeadNodes(): Promise<SweptConnection[]>;
  /** Forgets this node entirely (clean shutdown, after its connections were removed). */
  removeNode(nodeId: string): Promise<void>;
}
