import { describe, expect, it } from 'vitest';
import { connectionMessage, nextConnectionStatus, type ConnectionStatus } from './connection-model.js';

describe('console connection - status', () => {
  it('says a server shutdown until connected again, with the delay', () => {
    let status: ConnectionStatus = { kind: 'connected' };
    status = nextConnectionStatus(status, { type: 'server:shutdown', payload: { message: 'draining', reconnect_delay_ms: 2500 } });
    status = nextConnectionStatus(status, { type: 'disconnect' });
    status = nextConnectionStatus(status, { type: 'reconnecting', delayMs: 3100, cause: { code: 'TRANSPORT_ERROR', message: 'closed' } });
    expect(status).toEqual({ kind: 'shutdown', message: 'draining', delayMs: 3100 });
    expect(connectionMessage(status)).toBe('The server is restarting: reconnecting in 4 s… (draining)');
    expect(connectionMessage(nextConnectionStatus(status, { type: 'connect' }))).toBeNull();
  });

  it('names why it is reconnecting', () => {
    const status = nextConnectionStatus({ kind: 'connected' }, { type: 'reconnecting', delayMs: 900, cause: { code: 'UNAVAILABLE', message: 'x' } });
    expect(connectionMessage(status)).toMatch(/^Reconnecting \(UNAVAILABLE\) in 1 s/);
  });
});
