import type { WebhookEventSource } from './delivery-engine.js';
import type { PresenceReader } from './presence-reader.js';

/**
 * PLACEHOLDERS until the JetStream source and the Redis presence reader land (replaced in `deps.ts` when the branches
 * are combined): a source that yields nothing and a presence that sees nobody.
 */

export const pendingPresence = (): PresenceReader => ({
  isDeviceOnline: async () => false,
  isUserOnline: async () => false,
  isAnyAgentOnline: async () => false,
});
