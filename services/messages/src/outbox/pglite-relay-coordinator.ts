import type { PGlite } from '@electric-sql/pglite';
import { OUTBOX_CHANNEL } from '../repositories/outbox.js';
import type { RelayCoordinator } from './relay-coordinator.js';

/**
 * For the embedded database: one process, so always the leader; PGlite delivers the commit-time NOTIFY through
 * `listen()`.
 */
export async function createPgliteRelayCoordinator(pglite: PGlite): Promise<RelayCoordinator> {
  const listeners = new Set<() => void>();
  const unlisten = await pglite.listen(OUTBOX_CHANNEL, () => listeners.forEach((listener) => listener()));
  const close = async () => {
    listeners.clear();
    await unlisten();
  };
  return {
    tryLead: async () => true,
    leading: true,
    onWake: (listener) => void listeners.add(listener),
    close,
    [Symbol.asyncDispose]: close,
  };
}
