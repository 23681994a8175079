import type { AgentClient, ChatClient } from '@switchboard/client';

type Client = ChatClient | AgentClient;

export interface ConnectionNotices {
  /** Said on the first connection. */
  readonly connected: string;
  /** What to do once refused for good (bad credentials). */
  refused(code: string): void;
}

/** Describes whatever the SDK says caused a failed attempt (an Error, a code, a string), if it says anything. */
function cause(info: object): string {
  const value = 'cause' in info ? info.cause : 'error' in info ? info.error : undefined;
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'code' in value) return String(value.code);
  return '';
}

/**
 * Tells the person at the terminal about the connection, once per change: connected, lost (and that it is
 * retrying), back. A client that cannot reach the gateway at start says so once, not at every attempt.
 */
export function announceConnection(client: Client, url: string, say: (text: string) => void, notices: ConnectionNotices): void {
  // The union of the two clients' `on` is not callable as one signature: subscribe through the shared lifecycle.
  const on = client.on.bind(client) as AgentClient['on'];
  let everConnected = false;
  let down = false;
  on('connect', ({ recovered }) => {
    if (!everConnected) say(notices.connected);
    else say(`* connection is back${recovered ? '' : ' (new session: missed messages are fetched)'}`);
    everConnected = true;
    down = false;
  });
  on('disconnect', (reason) => {
    if (down) return;
    down = true;
    say(`* connection lost (${reason}); reconnecting…`);
  });
  on('reconnecting', (info) => {
    if (down) return;
    down = true;
    const why = cause(info);
    say(`* cannot reach the gateway at ${url}${why ? ` (${why})` : ''}; retrying…`);
  });
  on('unauthorized', (error) => notices.refused(error.code));
}
