import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@switchboard/metrics';
import { createFailOpen, createMemoryWindowCounter } from '@switchboard/runtime';
import { createGatewayMetrics } from '../metrics.js';
import { handshakeRefusal } from '../socket/errors.js';
import type { AnySocket, ClientSocket } from '../socket/types.js';
import { createHandshakeLimits, type HandshakeLimitsOptions } from './handshake-limits.js';

type Next = (error?: Error) => void;
const socketFrom = (address: string, deviceId = 'phone') =>
  ({ address, data: { principal: { kind: 'device', app_id: 'app_1', device_id: deviceId } } }) as unknown as ClientSocket;

function limitsWith(overrides: Partial<HandshakeLimitsOptions> = {}) {
  const metrics = createGatewayMetrics(createMetricsRegistry(), { connectionCount: () => 0, natsPending: async () => undefined, roomSubscriptions: () => 0, fanoutPulling: () => ({ messages: true, events: true }) });
  return createHandshakeLimits({
    authFailuresPerMinute: 2,
    connectionsPer10s: 0,
    maxConnectionsPerDevice: 0,
    failures: createMemoryWindowCounter({ windowMs: 60_000 }),
    connections: createMemoryWindowCounter({ windowMs: 10_000 }),
    registry: { countDeviceConnections: async () => 0 },
    addressOf: (socket: AnySocket) => (socket as unknown as { address: string }).address,
    failOpen: createFailOpen({ timeoutMs: 1000, onFailOpen: () => undefined, onOutage: () => undefined, onRecovered: () => undefined }),
    metrics,
    ...overrides,
  });
}

/** Runs a middleware and resolves with the code it refused with, or 'ok'. */
const run = (middleware: (socket: ClientSocket, next: Next) => unknown, socket: ClientSocket) =>
  new Promise<string>((resolve) => {
    void middleware(socket, (error) => resolve(error ? ((error as { data?: { code: string } }).data?.code ?? error.message) : 'ok'));
  });

describe('handshake limits', () => {
  it('handshake limits - only refusals for bad credentials count as failures; UNAVAILABLE does not', async () => {
    const limits = limitsWith();
    const refusing = (code: 'INVALID_CREDENTIALS' | 'UNAVAILABLE' | 'TOKEN_EXPIRED') =>
      limits.countingFailures<ClientSocket>((_socket, next) => next(handshakeRefusal(code, 'no')));
    const before = limits.beforeAuth('/client');
    const a = socketFrom('198.51.100.1');
    for (let i = 0; i < 5; i++) expect(await run(refusing('UNAVAILABLE'), a)).toBe('UNAVAILABLE');
    expect(await run(before, a)).toBe('ok');
    expect(await run(refusing('INVALID_CREDENTIALS'), a)).toBe('INVALID_CREDENTIALS');
    expect(await run(refusing('TOKEN_EXPIRED'), a)).toBe('TOKEN_EXPIRED');
    expect(await run(before, a)).toBe('RATE_LIMITED');
    expect(await run(before, socketFrom('198.51.100.2'))).toBe('ok');
    // An accepted handshake passes through untouched.
    expect(await run(limits.countingFailures<ClientSocket>((_socket, next) => next()), a)).toBe('ok');
  });

  it('handshake limits - a device at MAX_CONNECTIONS_PER_DEVICE is refused; a registry that fails lets it through', async () => {
    const open = new Map([['phone', 3]]);
    const limits = limitsWith({ maxConnectionsPerDevice: 3, registry: { countDeviceConnections: async (_app, device) => open.get(device) ?? 0 } });
    expect(await run(limits.afterAuth('/client'), socketFrom('198.51.100.1', 'phone'))).toBe('RATE_LIMITED');
    expect(await run(limits.afterAuth('/client'), socketFrom('198.51.100.1', 'tablet'))).toBe('ok');
    const down = limitsWith({ maxConnectionsPerDevice: 1, registry: { countDeviceConnections: () => Promise.reject(new Error('down')) } });
    expect(await run(down.afterAuth('/client'), socketFrom('198.51.100.1', 'phone'))).toBe('ok');
  });

  it('handshake limits - 0 turns each limit off', async () => {
    const limits = limitsWith({ authFailuresPerMinute: 0, connectionsPer10s: 0, maxConnectionsPerDevice: 0, registry: { countDeviceConnections: async () => 99 } });
    const auth = (_socket: ClientSocket, next: Next) => next(handshakeRefusal('INVALID_CREDENTIALS', 'no'));
    expect(limits.countingFailures(auth)).toBe(auth);
    for (let i = 0; i < 5; i++) expect(await run(limits.beforeAuth('/client'), socketFrom('198.51.100.1'))).toBe('ok');
    expect(await run(limits.afterAuth('/client'), socketFrom('198.51.100.1'))).toBe('ok');
  });
});
