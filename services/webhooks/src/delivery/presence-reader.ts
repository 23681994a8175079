/**
 * What the webhooks service reads of presence, for `message.created`'s `recipient_online`: whether the other side
 * of a conversation has an open socket anywhere in the cluster. The gateway writes presence (Redis, or the
 * in-memory registry of `npm start`); this is the read side of the same data, through the same key layout.
 */
export interface PresenceReader {
  /** A device of the app has a live connection (on any gateway). */
  isDeviceOnline(appId: string, deviceId: string): Promise<boolean>;
  /** A signed-in user of the app has a live connection on any of their devices. */
  isUserOnline(appId: string, userId: string): Promise<boolean>;
  /** Any agent (an `/admin` socket) of the app is connected. */
  isAnyAgentOnline(appId: string): Promise<boolean>;
}
