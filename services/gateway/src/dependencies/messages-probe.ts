import type { DependencyState } from './dependency-state.js';

export interface MessagesProbeOptions {
  /** The messages service's base URL (`MESSAGES_URL`). */
  readonly baseUrl: string;
  readonly state: DependencyState;
  /** @default 2000 */
  readonly intervalMs?: number;
  /** @default 2000 */
  readonly timeoutMs?: number;
}

/**
 * Asks the messages service's `/readyz` now and then: the gateway cannot authenticate a handshake or take a send
 * without it, so it is part of the gateway's readiness. Every answer but 200 is down.
 */
export function startMessagesProbe(options: MessagesProbeOptions): { stop(): void } {
  const interval = options.intervalMs ?? 2000;
  const url = new URL('/readyz', options.baseUrl);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const probe = async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
      await response.body?.cancel();
      if (response.status === 200) options.state.up();
      else options.state.down(new Error(`/readyz answered ${response.status}`));
    } catch (error) {
      options.state.down((error as Error & { cause?: unknown }).cause ?? error);
    }
    if (!stopped) timer = setTimeout(probe, interval);
  };
  void probe();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
