import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@switchboard/metrics';
import type { InternalAuthAdminResponse, InternalAuthClientResponse } from '@switchboard/protocol';
import type { MessagesApi } from '../messages-api.js';
import { createGatewayMetrics } from '../metrics.js';
import { createAuthGate, NEGATIVE_AUTH_TTL_MS, type HandshakingSocket } from './auth-gate.js';
import { GatewayError } from './errors.js';
import { HandshakeRefused } from './handshake-refusals.js';

/** A messages service whose auth answers the test settles by hand, one per call, in order. */
function controlledApi() {
  const calls: { auth: { device_id?: string }; resolve: (v: InternalAuthClientResponse) => void; reject: (e: Error) => void }[] = [];
  const api: AuthApi = {
    authenticateClient: (auth) =>
      new Promise<InternalAuthClientResponse>((resolve, reject) => calls.push({ auth, resolve, reject })),
    authenticateAdmin: () => Promise.reject(new GatewayError('INVALID_CREDENTIALS', 'no')) as Promise<InternalAuthAdminResponse>,
  };
  return { api, calls };
}

type AuthApi = Pick<MessagesApi, 'authenticateClient' | 'authenticateAdmin'>;

function gateWith(options: { concurrency: number; queueLength: number }, api: AuthApi, now = () => 0) {
  const metrics = createGatewayMetrics(createMetricsRegistry({ collectDefaults: false }), { connectionCount: () => 0, natsPending: async () => 0, roomSubscriptions: () => 0, fanoutPulling: () => ({ messages: true, events: true }) });
  return { gate: createAuthGate(api, { ...options, metrics, now }), metrics };
}

const open = (): HandshakingSocket & { conn: { readyState: string } } => ({ conn: { readyState: 'open' } });
const auth = (device_id: string, api_key = 'sk_good_good_good_good') => ({ app_id: 'app_1', device_id, api_key });
const answer = { principal: { kind: 'device', app_id: 'app_1', device_id: 'd' } } as unknown as InternalAuthClientResponse;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('auth gate', () => {
  it('auth gate - at most `concurrency` calls in flight, then a queue in arrival order, then queue_full without a call', async () => {
    const { api, calls } = controlledApi();
    const { gate, metrics } = gateWith({ concurrency: 2, queueLength: 1 }, api);
    const results = ['a', 'b', 'c'].map((d) => gate.authenticateClient(open(), auth(d)));
    const refused = gate.authenticateClient(open(), auth('d'));
    await expect(refused).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'queue_full' });
    await settle();
    expect(calls.map((c) => c.auth.device_id)).toEqual(['a', 'b']);
    expect((await metrics.authQueued.get()).values[0]!.value).toBe(1);
    calls[1]!.resolve(answer);
    await settle();
    expect(calls.map((c) => c.auth.device_id)).toEqual(['a', 'b', 'c']);
    calls[0]!.reject(new GatewayError('UNAVAILABLE', 'down'));
    calls[2]!.resolve(answer);
    await expect(results[0]).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(results[1]).resolves.toBe(answer);
    await expect(results[2]).resolves.toBe(answer);
    expect((await metrics.authInFlight.get()).values[0]!.value).toBe(0);
  });

  it('auth gate - a queue_full refusal says when to come back: after the admitted ones, one slot per refusal', async () => {
    const { api, calls } = controlledApi();
    // 2 in flight, 1 queued; no call timed yet: 100 ms per call, 2 at a time, so slots are 50 ms apart.
    const { gate } = gateWith({ concurrency: 2, queueLength: 1 }, api, () => 5_000);
    const admitted = ['a', 'b', 'c'].map((d) => gate.authenticateClient(open(), auth(d)));
    const refusals = await Promise.all(['d', 'e'].map((d) => gate.authenticateClient(open(), auth(d)).catch((error: unknown) => error)));
    expect(refusals.map((error) => (error as HandshakeRefused).retryAfterMs)).toEqual([150, 200]);
    // The admitted ones still go through: a and b, then c from the queue.
    calls[0]!.resolve(answer);
    calls[1]!.resolve(answer);
    await settle();
    calls[2]!.resolve(answer);
    await expect(Promise.all(admitted)).resolves.toEqual([answer, answer, answer]);
  });

  it('auth gate - a closed connection is not checked: on arrival, or when its queued turn comes (the next one goes instead)', async () => {
    const { api, calls } = controlledApi();
    const { gate } = gateWith({ concurrency: 1, queueLength: 5 }, api);
    const gone = open();
    gone.conn.readyState = 'closed';
    await expect(gate.authenticateClient(gone, auth('x'))).rejects.toBeInstanceOf(HandshakeRefused);
    const first = gate.authenticateClient(open(), auth('a'));
    const leaving = open();
    const dropped = gate.authenticateClient(leaving, auth('b'));
    const third = gate.authenticateClient(open(), auth('c'));
    await settle();
    leaving.conn.readyState = 'closing';
    calls[0]!.resolve(answer);
    await expect(dropped).rejects.toMatchObject({ reason: 'connection_closed' });
    await settle();
    expect(calls.map((c) => c.auth.device_id)).toEqual(['a', 'c']);
    calls[1]!.resolve(answer);
    await expect(first).resolves.toBe(answer);
    await expect(third).resolves.toBe(answer);
  });

  it('auth gate - INVALID_CREDENTIALS is remembered for the same credentials until the TTL passes; other credentials and other errors are not', async () => {
    let now = 1_000;
    const { api, calls } = controlledApi();
    const { gate } = gateWith({ concurrency: 4, queueLength: 4 }, api, () => now);
    const bad = auth('d', 'sk_bad_bad_bad_bad_bad');
    const first = gate.authenticateClient(open(), bad);
    await settle();
    calls[0]!.reject(new GatewayError('INVALID_CREDENTIALS', 'the credentials are not valid'));
    await expect(first).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(gate.authenticateClient(open(), bad)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(calls).toHaveLength(1);

    const good = gate.authenticateClient(open(), auth('d'));
    await settle();
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(answer);
    await expect(good).resolves.toBe(answer);

    now += NEGATIVE_AUTH_TTL_MS + 1;
    const later = gate.authenticateClient(open(), bad);
    await settle();
    expect(calls).toHaveLength(3);
    calls[2]!.reject(new GatewayError('UNAVAILABLE', 'down'));
    await expect(later).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // Not definitive: the next handshake asks again.
    void gate.authenticateClient(open(), bad).catch(() => {});
    await settle();
    expect(calls).toHaveLength(4);
  });
});
