import { connectionMessage, type ConnectionStatus } from './connection-model.js';

/** The connection's state, announced politely: reconnecting, a server shutting down, a connection that cannot work. */
export function ConnectionBanner({ status }: { readonly status: ConnectionStatus }) {
  const message = connectionMessage(status);
  return (
    <div role="status" aria-live="polite" aria-label="Connection" class={`connection connection-${status.kind}`}>
      {message ?? 'Connected'}
    </div>
  );
}
