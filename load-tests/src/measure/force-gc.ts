import WebSocket from 'ws';

/** The inspector URL a Node process started with `--inspect=127.0.0.1:0` printed (on stderr). */
export function inspectorUrl(logs: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(logs)?.[1];
}

/**
 * Runs full garbage collections in another Node process through its inspector (`HeapProfiler.collectGarbage`),
 * so that its heap and RSS are read without the garbage that happens to be waiting: both servers are measured
 * the same way. Bounded: gives up after `timeoutMs`.
 */
export async function forceGc(url: string, rounds = 2, timeoutMs = 30_000): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    for (let id = 1; id <= rounds; id++) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('inspector did not answer')), timeoutMs);
        const onMessage = (data: WebSocket.RawData) => {
          if ((JSON.parse(data.toString()) as { id?: number }).id !== id) return;
          clearTimeout(timer);
          ws.off('message', onMessage);
          resolve();
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      });
    }
  } finally {
    ws.close();
  }
}
