import type { WebhookEventSource } from './delivery-engine.js';

/**
 * PLACEHOLDER until the JetStream source lands (replaced in `deps.ts` when the branches are combined): a source that
 * yields nothing. Presence is read with `@switchboard/presence` (Redis, or the embedded stand-ins' memory reader).
 */
export const pendingSource = (): WebhookEventSource => ({ start: async () => undefined, stop: async () => undefined });
