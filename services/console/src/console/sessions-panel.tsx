import type { SessionInfo } from '@switchboard/protocol';
import { Time } from '../shared/time.js';

/** The app's live sessions on every gateway node, as `sessions:list` answers and session events keep current. */
export function SessionsPanel({ sessions, error }: { readonly sessions: readonly SessionInfo[]; readonly error: string | null }) {
  return (
    <section class="sessions" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Live sessions</h2>
      {error && (
        <p role="alert" class="problem">
          {error}
        </p>
      )}
      <table>
        <caption>
          {sessions.length} live session{sessions.length === 1 ? '' : 's'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">User</th>
            <th scope="col">Connected</th>
            <th scope="col">Gateway node</th>
            <th scope="col">Connection</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.connection_id}>
              <td>{session.device_id}</td>
              <td>{session.user_id ?? '—'}</td>
              <td>
                <Time iso={session.connected_at} />
              </td>
              <td>{session.node_id}</td>
              <td>
                <code>{session.connection_id}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
