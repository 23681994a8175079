/**
 * What a service other than the gateway reads of presence (the webhooks service, for `message.created`'s
 * `recipient_online`): whether the other side of a conversation has an open socket anywhere in the cluster. The
 * gateway writes presence (Redis, or the in-memory store of `npm start`); this is the read side of the same data.
 * A connection counts from its handshake to its close: a device in its presence grace (`PRESENCE_GRACE_MS`, closed
 * and maybe reconnecting) is not online here, and a gateway that dies stops counting when it is swept (≤ 30 s).
 */
export interface PresenceReader {
  /** A device of the app has a live connection (on any gateway). */
  isDeviceOnline(appId: string, deviceId: string): Promise<boolean>;
  /** A signed-in user of the app has a live connection on any of their devices. */
  isUserOnline(appId: string, userId: string): Promise<boolean>;
  /** Any agent (an `/admin` socket) of the app is connected. */
  isAnyAgentOnline(appId: string): Promise<boolean>;
}
