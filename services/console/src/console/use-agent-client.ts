import { useEffect, useState } from 'preact/hooks';
import { AgentClient, createLocalStorageStore, type AgentSignIn } from '@switchboard/client';
import type { ConsoleConfig } from '../shared/runtime-config.js';
import { nextConnectionStatus, type ConnectionStatus } from './connection-model.js';
import { SDK_STORE_PREFIX } from './sign-in-session.js';

/**
 * The signed-in agent's client, for the life of the component: connected on mount, closed on unmount. Its store is
 * the tab's `sessionStorage`, so a reload keeps the sends still queued (sent once, with their `local_id`) and each
 * conversation's last delivered message (the SDK fills what the reload missed). `onRefused` hears the server refuse
 * the token (the client is then closed).
 */
export function useAgentClient(
  config: ConsoleConfig,
  signIn: AgentSignIn,
  onRefused: (message: string) => void,
): { readonly client: AgentClient; readonly status: ConnectionStatus } {
  const [client] = useState(
    () =>
      new AgentClient({
        url: config.gatewayUrl,
        apiUrl: config.apiUrl,
        appId: signIn.appId,
        ...signIn.credentials,
        store: createLocalStorageStore({ storage: window.sessionStorage, prefix: SDK_STORE_PREFIX }),
      }),
  );
  const [status, setStatus] = useState<ConnectionStatus>({ kind: 'connecting' });
  useEffect(() => {
    const offs = [
      client.on('connect', () => setStatus((s) => nextConnectionStatus(s, { type: 'connect' }))),
      client.on('disconnect', () => setStatus((s) => nextConnectionStatus(s, { type: 'disconnect' }))),
      client.on('reconnecting', ({ delayMs, cause }) => setStatus((s) => nextConnectionStatus(s, { type: 'reconnecting', delayMs, cause }))),
      client.on('server:shutdown', (payload) => setStatus((s) => nextConnectionStatus(s, { type: 'server:shutdown', payload }))),
      client.on('failed', (cause) => setStatus((s) => nextConnectionStatus(s, { type: 'failed', cause }))),
      client.on('unauthorized', ({ code, message }) => onRefused(`The server refused this token (${code}): ${message}`)),
      client.on('token:error', (error) => {
        if (error.code === 'TOKEN_UNAVAILABLE' || error.code === 'TOKEN_EXPIRED') onRefused('Your agent token has expired: sign in with a new one.');
      }),
    ];
    client.connect();
    return () => {
      for (const off of offs) off();
      void client.close();
    };
  }, [client]);
  return { client, status };
}
