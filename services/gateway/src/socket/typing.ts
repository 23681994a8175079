/**
 * Typing relay limits (CONTRACT.md, Guarantees): at most one relayed typing event per second per connection;
 * extra events are dropped silently, except that a `stop` dropped after a relayed `start` is sent once the second
 * is over, so nobody is left "typing" forever. On disconnect, every conversation it was typing in gets a `stop`.
 */
/** CONTRACT.md: at most one relayed typing event per second per connection. */
export const TYPING_INTERVAL_MS = 1000;

export interface TypingThrottle {
  /** Whether to relay this change now. */
  offer(conversationId: string, isTyping: boolean): boolean;
  /** Conversations this connection is shown as typing in. */
  typingIn(): string[];
  close(): void;
}

export function createTypingThrottle(
  intervalMs: number,
  relay: (conversationId: string, isTyping: boolean) => void,
): TypingThrottle {
  let lastAt = Number.NEGATIVE_INFINITY;
  const typing = new Set<string>();
  const pendingStops = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    for (const conversationId of pendingStops) {
      if (typing.delete(conversationId)) relay(conversationId, false);
    }
    pendingStops.clear();
    lastAt = Date.now();
  };

  return {
    offer(conversationId, isTyping) {
      if (!isTyping && !typing.has(conversationId)) return false; // nothing shown, nothing to stop
      const now = Date.now();
      if (now - lastAt >= intervalMs) {
        lastAt = now;
        pendingStops.delete(conversationId);
        if (isTyping) typing.add(conversationId);
        else typing.delete(conversationId);
        return true;
      }
      if (isTyping) pendingStops.delete(conversationId);
      else {
        pendingStops.add(conversationId);
        timer ??= setTimeout(flush, Math.max(0, lastAt + intervalMs - now));
      }
      return false;
    },
    typingIn: () => [...typing],
    close() {
      clearTimeout(timer);
      pendingStops.clear();
      typing.clear();
    },
  };
}
