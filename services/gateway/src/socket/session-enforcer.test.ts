import { describe, expect, it } from 'vitest';
import type { AppCredentialsRevokedEvent } from '@switchboard/protocol';
import { createLogger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import { createGatewayMetrics } from '../metrics.js';
import { createSessionEnforcer } from './session-enforcer.js';
import type { AnySocket } from './types.js';

/** The few parts of a Socket.IO socket the enforcer touches; the clock is moved by hand. */
function setup() {
  let ms = 1_000_000_000;
  const live = new Set<AnySocket>();
  const ended: string[] = [];
  const socket = (id: string, credentials: string[]) =>
    ({
      id,
      connected: true,
      data: { principal: { kind: 'agent', app_id: 'app_1', agent_id: null, name: null }, connectedAt: '', credentials },
      nsp: { name: '/admin', local: { to: () => ({ emit: () => undefined }) } },
      disconnect() {
        ended.push(id);
        (this as { connected: boolean }).connected = false;
      },
    }) as unknown as AnySocket;
  const enforcer = createSessionEnforcer({
    sockets: () => live,
    metrics: createGatewayMetrics(createMetricsRegistry({ collectDefaults: false }), { connectionCount: () => 0, natsPending: async () => 0, roomSubscriptions: () => 0, fanoutPulling: () => ({ messages: true, events: true }) }),
    logger: createLogger({ service: 'test', level: 'silent' }),
    now: () => ms,
  });
  const revoked = (credential_id: string): AppCredentialsRevokedEvent => ({
    app_id: 'app_1',
    which: 'admin_token',
    valid_until: new Date(ms).toISOString(),
    credential_id,
  });
  return { live, ended, socket, enforcer, revoked, advance: (seconds: number) => void (ms += seconds * 1000), nowSeconds: () => Math.floor(ms / 1000) };
}

describe('session enforcer', () => {
  it('a socket whose handshake was answered before a revocation and that connects after it still ends', () => {
    const { live, ended, socket, enforcer, revoked, nowSeconds } = setup();
    const before = socket('before', ['admin_token:old']);
    live.add(before);
    // The event arrives while `late` is between the messages service's answer and its connection.
    expect(enforcer.revoke(revoked('admin_token:old'))).toBe(1);
    expect(ended).toEqual(['before']);
    const late = socket('late', ['admin_token:old']);
    const other = socket('other', ['admin_token:new']);
    live.add(late).add(other);
    enforcer.track(late);
    enforcer.track(other);
    expect(late.data.credentialsUntil).toBe(nowSeconds());
    expect(other.data.credentialsUntil).toBeUndefined();
  });

  it('a revocation is remembered for a minute only', () => {
    const { live, socket, enforcer, revoked, advance } = setup();
    enforcer.revoke(revoked('admin_token:old'));
    advance(61);
    const muchLater = socket('much-later', ['admin_token:old']);
    live.add(muchLater);
    enforcer.track(muchLater);
    expect(muchLater.data.credentialsUntil).toBeUndefined();
  });
});
