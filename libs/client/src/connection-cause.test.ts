import { describe, expect, it } from 'vitest';
import { connectErrorCause, isFatal } from './connection-cause.js';

const transportError = (message: string, description: unknown) => Object.assign(new Error(message), { description });

describe('connection cause', () => {
  it('cause - a server refusal names its code; credential codes and 4xx handshakes are for good, the rest retried', () => {
    const refused = connectErrorCause(Object.assign(new Error('INVALID_CREDENTIALS'), { data: { code: 'INVALID_CREDENTIALS', message: 'wrong api key' } }));
    expect(refused).toEqual({ code: 'INVALID_CREDENTIALS', message: 'wrong api key' });
    expect(connectErrorCause(new Error('UNAVAILABLE'))).toEqual({ code: 'UNAVAILABLE', message: 'UNAVAILABLE' });
    expect(isFatal(connectErrorCause(new Error('UNAVAILABLE')))).toBe(false);

    const polling = connectErrorCause(transportError('xhr poll error', 400));
    expect(polling).toEqual({ code: 'TRANSPORT_ERROR', message: 'xhr poll error: 400', status: 400 });
    expect(isFatal(polling)).toBe(true);

    // The `ws` package's ErrorEvent for a refused upgrade.
    const upgrade = connectErrorCause(transportError('websocket error', { message: 'Unexpected server response: 404' }));
    expect(upgrade).toMatchObject({ code: 'TRANSPORT_ERROR', status: 404 });
    expect(isFatal(upgrade)).toBe(true);

    expect(isFatal(connectErrorCause(transportError('xhr poll error', 429)))).toBe(false);
    expect(isFatal(connectErrorCause(transportError('xhr poll error', 503)))).toBe(false);
    const refusedTcp = connectErrorCause(transportError('websocket error', { error: { message: 'connect ECONNREFUSED 127.0.0.1:1' } }));
    expect(refusedTcp).toEqual({ code: 'TRANSPORT_ERROR', message: 'websocket error: connect ECONNREFUSED 127.0.0.1:1' });
    expect(isFatal(refusedTcp)).toBe(false);
  });
});
