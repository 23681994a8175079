import { describeDependencyError, type DependencyStatus } from '@switchboard/runtime';

export interface MessagesProbeOptions {
  /** The messages service's base URL (`MESSAGES_URL`). */
  readonly baseUrl: string;
  /** Where the answers go, as the `messages` dependency (required: `/readyz` 503 while it is down). */
  readonly status: DependencyStatus;
}

/** How often the messages service is asked, and how long an answer may take. */
const PROBE_INTERVAL_MS = 2000;
const PROBE_TIMEOUT_MS = 2000;

/**
 * Asks the messages service's `/readyz` now and then: the gateway cannot authenticate a handshake or take a send
 * without it, so it is part of the gateway's readiness. Every answer but 200 is down.
 */
export function startMessagesProbe(options: MessagesProbeOptions): { stop(): void } {
  const { status } = options;
  const url = new URL('/readyz', options.baseUrl);
  // host:port, never the URL's user or password.
  status.register('messages', { target: url.host, required: true });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const probe = async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      // Stopped meanwhile (the node is closing): an answer now is nobody's business.
      if (stopped) return;
      if (response.status === 200) status.up('messages');
      else status.down('messages', `/readyz answered ${response.status}`);
    } catch (error) {
      if (stopped) return;
      // fetch's own error is "fetch failed"; its cause names the socket error (ECONNREFUSED).
      status.down('messages', describeDependencyError((error as Error & { cause?: unknown }).cause ?? error));
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
