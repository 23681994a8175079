import { useEffect, useState } from 'preact/hooks';
import type { AgentClient } from '@switchboard/client';
import type { SessionInfo } from '@switchboard/protocol';

/** Wait this long after a session event before reading the list again, so a burst of connections costs one read. */
const REREAD_DELAY_MS = 250;

export interface LiveSessions {
  /** The app's sessions on every gateway node (`sessions:list`), kept current by `session:connect` / `session:disconnect`. */
  readonly sessions: readonly SessionInfo[];
  /** Each device's presence as the gateway announces it: online while any of its connections is open. */
  readonly online: ReadonlyMap<string, boolean>;
  readonly error: string | null;
}

/**
 * The app's live sessions and each device's presence. Presence starts from the sessions listed (a device with a
 * session is online) and then follows `presence:change`, which fires only when a device crosses online/offline
 * (after the gateway's grace period, so a reconnecting device does not flicker). Read again after each reconnect.
 */
export function useLiveSessions(client: AgentClient): LiveSessions {
  const [sessions, setSessions] = useState<readonly SessionInfo[]>([]);
  const [online, setOnline] = useState<ReadonlyMap<string, boolean>>(new Map());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const read = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        client.sessions().then(
          (listed) => {
            if (closed) return;
            setSessions(listed);
            setError(null);
            // The listing is the registry as it is now: a device without a session is offline.
            setOnline((known) => new Map([...[...known.keys()].map((device) => [device, false] as const), ...listed.map((s) => [s.device_id, true] as const)]));
          },
          (failure: Error) => !closed && setError(failure.message),
        );
      }, REREAD_DELAY_MS);
    };
    const offs = [
      client.on('connect', read),
      client.on('session:connect', read),
      client.on('session:disconnect', read),
      client.on('presence:change', ({ device_id, is_online }) => setOnline((known) => new Map(known).set(device_id, is_online))),
    ];
    if (client.connected) read();
    return () => {
      closed = true;
      clearTimeout(timer);
      for (const off of offs) off();
    };
  }, [client]);
  return { sessions, online, error };
}
