import type { SessionInfo } from '@switchboard/protocol';

/** One client (device) connection, as the registry keeps it. */
export interface ConnectionRecord {
  readonly connectionId: string;
  readonly appId: string;
  readonly deviceId: string;
  /** The signed-in user on that device, `null` when anonymous (presence stays per device). */
  readonly userId: string | null;
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

/** What `add` found: a connection that comes back within the grace (recovered, same id) is `resumed`. */
export interface AddUpdate extends PresenceUpdate {
  /** The connection had left and was still in its grace: its session never ended, so nothing is announced. */
  readonly resumed: boolean;
}

/** A connection that left and waits out the grace before its departure is settled (`settle`). */
export interface Departure {
  /** False when the registry no longer knew this connection (nothing to settle). */
  readonly removed: boolean;
  /** Identifies this departure: a later one of the same connection or device supersedes it. */
  readonly token: string;
}

/** One agent (`/admin`) connection: what `recipient_online` of a user's message asks about (any agent of the app). */
export interface AgentRecord {
  readonly connectionId: string;
  readonly appId: string;
  readonly nodeId: string;
}

export interface SweptConnection {
  readonly record: ConnectionRecord;
  readonly update: PresenceUpdate;
}

/**
 * Presence and sessions of client connections across all gateway nodes. Each change is atomic in the store, so
 * of two nodes changing one device at once exactly one sees the boundary crossed.
 *
 * A connection that closes leaves the device's live set at once (`remove`) but its session ends, and its device
 * goes offline, only when its departure is settled after the presence grace (`settle`): a connection or device that
 * comes back before then (on any node) ends the departure and nothing is announced. Departures of a node that dies
 * are settled by the sweep.
 *
 * It also keeps the live sets that other services read through `@switchboard/presence`'s `PresenceReader` (same
 * key layout): each device's and each signed-in user's live connections, and each app's live agent connections.
 */
export interface ConnectionRegistry {
  /** `crossed`: the device comes online (it was offline, not merely in a grace). */
  add(record: ConnectionRecord): Promise<AddUpdate>;
  /** The connection closed: it stops counting, and its departure waits for `settle`. */
  remove(record: ConnectionRecord): Promise<Departure>;
  /**
   * Ends a departure after the grace: `changed` when the session ended now (it did not come back), `crossed` when
   * the device went offline with it (no connection and no later departure of the device).
   */
  settle(record: ConnectionRecord, token: string): Promise<PresenceUpdate>;
  /** How many live connections a device holds on every node together (`MAX_CONNECTIONS_PER_DEVICE`). */
  countDeviceConnections(appId: string, deviceId: string): Promise<number>;
  /** The app's sessions on every node, from the shared registry (never asks other nodes). */
  listSessions(appId: string): Promise<SessionInfo[]>;
  /** An agent socket is open on this node (counted until `removeAgent`, or until the node is swept or removed). */
  addAgent(record: AgentRecord): Promise<void>;
  removeAgent(record: AgentRecord): Promise<void>;
  /** Refreshes this node's liveness; `swept` is true when this node had been taken for dead (re-add its connections). */
  heartbeat(nodeId: string): Promise<{ swept: boolean }>;
  /**
   * Removes the connections of nodes whose liveness expired and settles their departures; the caller announces the
   * updates. Their agent connections are removed too (agents have no presence events).
   */
  sweepDeadNodes(): Promise<SweptConnection[]>;
  /** Forgets this node entirely, its agent connections included (clean shutdown, after its connections were removed). */
  removeNode(nodeId: string): Promise<void>;
}
