import type { DependencyState } from './dependency-state.js';

export interface MessagesProbeOptions {
  /** The messages service's base URL (`MESSAGES_URL`). */
  readonly baseUrl: string;
  readonly state: DependencyState;
}

/** How often the messages service is asked, and how long an answer may take. */
const PROBE_INTERVAL_MS = 2000;
const PROBE_TIMEOUT_MS = 2000;

/**
 * Asks the messages service's `/readyz` now and then: the gateway cannot authenticate a handshake or take a send
 * without it, so it is part of the gateway's readiness. Every answer but 200 is down.
 */
export function startMessagesProbe(options: MessagesProbeOptions): { stop(): void } {
  const url = new URL('/readyz', options.baseUrl);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const probe = async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      if (response.status === 200) options.state.up();
      else options.state.down(new Error(`/readyz answered ${response.status}`));
    } catch (error) {
      options.state.down((error as Error & { cause?: unknown }).cause ?? error);
    }
    if (!stopped) timer = setTimeout(probe, PROBE_INTERVAL_MS);
  };
  void probe();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
