import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import type { WebhookEventSource } from './delivery/delivery-engine.js';
import { sourceOnceConnected } from './source-once-connected.js';

function recordingSource(log: string[]): WebhookEventSource {
  return { start: async () => void log.push('start'), stop: async () => void log.push('stop') };
}

describe('source once connected', () => {
  it('source - starts the real source only once NATS is connected, with that connection; stop stops it', async () => {
    const log: string[] = [];
    let connect!: (nc: NatsConnection) => void;
    const connection = new Promise<NatsConnection>((resolve) => (connect = resolve));
    const nc = { id: 'nc' } as unknown as NatsConnection;
    let given: NatsConnection | undefined;
    const source = sourceOnceConnected(connection, (c) => ((given = c), recordingSource(log)));
    const started = source.start(async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual([]);
    connect(nc);
    await started;
    expect(given).toBe(nc);
    await source.stop();
    expect(log).toEqual(['start', 'stop']);
  });

  it('source - stopped while waiting for NATS: nothing is created when it comes, stop does not wait', async () => {
    const log: string[] = [];
    let connect!: (nc: NatsConnection) => void;
    const connection = new Promise<NatsConnection>((resolve) => (connect = resolve));
    let created = 0;
    const source = sourceOnceConnected(connection, () => (created++, recordingSource(log)));
    const started = source.start(async () => undefined);
    await source.stop();
    connect({} as NatsConnection);
    await started;
    expect(created).toBe(0);
    expect(log).toEqual([]);
  });
});
