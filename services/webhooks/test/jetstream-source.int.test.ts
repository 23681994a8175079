import { afterAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { startNatsServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { createJetStreamPublisher } from '@switchboard/messages';
import type { SourceEvent } from '../src/delivery/delivery-engine.js';
import { createJetStreamEventSource } from '../src/delivery/jetstream-source.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
let nats: ServerProcess | undefined;
let nc: NatsConnection | undefined;

afterAll(async () => {
  await nc?.close();
  await nats?.[Symbol.asyncDispose]();
});

describe('webhooks JetStream source', () => {
  it('source - shared durable consumers under NATS_PREFIX; events with their Nats-Msg-Id and contract subject; a failed one comes back', async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const names = natsNames('env-w');
    const publisher = createJetStreamPublisher({ connection: nc, logger, names });
    await publisher.publish('message.created', encode({ warmup: true }), 'warmup'); // the streams exist
    await publisher.publish('conversation.updated', encode({ warmup: true }), 'warmup-events');

    const seen: SourceEvent[] = [];
    let failOnce = true;
    const source = createJetStreamEventSource({ nc, names, logger, retryDelayMs: 100 });
    await source.start(async (events) => {
      if (events.some((e) => e.id === 'msg_fail') && failOnce) {
        failOnce = false;
        throw new Error('database away');
      }
      seen.push(...events);
    });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.consumers.info('env-w_MESSAGES', 'env-w_webhooks-messages')).config.durable_name).toBe('env-w_webhooks-messages');
    expect((await jsm.consumers.info('env-w_EVENTS', 'env-w_webhooks-events')).config.durable_name).toBe('env-w_webhooks-events');

    await publisher.publish('message.created', encode({ n: 1 }), 'msg_fail');
    await publisher.publish('message.created', encode({ n: 2 }), 'msg_2');
    await publisher.publish('conversation.updated', encode({ c: 1 }), 'evt_1');
    await waitFor(() => seen.length >= 3, { message: 'three events' });
    expect(seen.filter((e) => e.subject === 'message.created').map((e) => [e.id, e.payload])).toEqual([
      ['msg_fail', { n: 1 }],
      ['msg_2', { n: 2 }],
    ]);
    const updated = seen.find((e) => e.id === 'evt_1')!;
    expect(updated).toMatchObject({ subject: 'conversation.updated', payload: { c: 1 } });
    expect(Math.abs(updated.storedAt.getTime() - Date.now())).toBeLessThan(5000);
    await source.stop();
    // Every event was acked: nothing pending on either consumer.
    const pending = async (stream: string, durable: string) => {
      const info = await jsm.consumers.info(stream, durable);
      return info.num_pending + info.num_ack_pending;
    };
    expect(await pending('env-w_MESSAGES', 'env-w_webhooks-messages')).toBe(0);
    expect(await pending('env-w_EVENTS', 'env-w_webhooks-events')).toBe(0);
  });
});
