import { presenceKeys, type PresenceKeys } from './presence-keys.js';
import type { PresenceReader } from './presence-reader.js';

/**
 * Sets of live connections by key, in memory: the Redis sets of presence for a single process. An empty set is
 * deleted, as Redis does.
 */
export interface LiveSets {
  /** Adds a member; false when it was there already. */
  add(key: string, member: string): boolean;
  /** Removes a member; false when it was not there. */
  remove(key: string, member: string): boolean;
  size(key: string): number;
  members(key: string): readonly string[];
}

/** The presence of `npm start` without Redis: the gateway's memory registry writes it, readers read it. */
export interface MemoryPresence {
  readonly keys: PresenceKeys;
  readonly live: LiveSets;
  readonly reader: PresenceReader;
}

export function createMemoryPresence(): MemoryPresence {
  const sets = new Map<string, Set<string>>();
  const live: LiveSets = {
    add(key, member) {
      let set = sets.get(key);
      if (!set) sets.set(key, (set = new Set()));
      if (set.has(member)) return false;
      set.add(member);
      return true;
    },
    remove(key, member) {
      const set = sets.get(key);
      if (!set?.delete(member)) return false;
      if (set.size === 0) sets.delete(key);
      return true;
    },
    size: (key) => sets.get(key)?.size ?? 0,
    members: (key) => [...(sets.get(key) ?? [])],
  };
  // The same key layout as Redis, under a prefix of its own (nothing else shares this map).
  const keys = presenceKeys('memory');
  return {
    keys,
    live,
    reader: {
      isDeviceOnline: async (appId, deviceId) => live.size(keys.device(appId, deviceId)) > 0,
      isUserOnline: async (appId, userId) => live.size(keys.user(appId, userId)) > 0,
      isAnyAgentOnline: async (appId) => live.size(keys.agents(appId)) > 0,
    },
  };
}
