import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { sleep, startNatsServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { connectNats, createDependencyStatus, createJetStreamPublisher, type Publisher } from '@switchboard/messages';
import { createJetStreamFanout, FANOUT_PULL_EXPIRES_MS, type FanoutSource } from '@switchboard/gateway';
import { createMemoryBus } from '../src/memory-bus.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

interface Bus {
  publisher: Publisher;
  /** The source of one gateway (a new one each call where the bus allows several). */
  fanout: () => FanoutSource;
}

/** What the outbox relay and the gateway's fan-out need from the bus, on JetStream and on the embedded stand-in. */
function busContract(name: string, open: () => Promise<Bus>) {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    beforeAll(async () => {
      bus = await open();
    });

    it(`${name} - a message id published twice is stored once and reported duplicate`, async () => {
      expect(await bus.publisher.publish('message.created', encode({ n: 1 }), 'dup-1')).toEqual({ duplicate: false });
      expect(await bus.publisher.publish('message.created', encode({ n: 1 }), 'dup-1')).toEqual({ duplicate: true });
    });

    it(`${name} - a started source hands each event to the handler once, in order; a stopped one none`, async () => {
      const seen: [string, unknown][] = [];
      const source = bus.fanout();
      source.start((subject, data) => {
        seen.push([subject, data]);
        return 'emitted';
      });
      await sleep(300); // the JetStream consumer attaches
      for (let i = 0; i < 5; i++) await bus.publisher.publish('message.created', encode({ i }), `ordered-${i}`);
      await bus.publisher.publish('message.status', encode({ s: true }), 'status-1');
      await waitFor(() => seen.length >= 6, { message: 'six events' });
      const ours = seen.filter(([, d]) => (d as { i?: number }).i !== undefined || (d as { s?: boolean }).s);
      expect(ours).toEqual([
        ...Array.from({ length: 5 }, (_, i) => ['message.created', { i }]),
        ['message.status', { s: true }],
      ]);
      await source.stop();
      const count = seen.length;
      await bus.publisher.publish('message.created', encode({ late: true }), 'late-1');
      await sleep(300);
      expect(seen).toHaveLength(count);

      // The event published while no source ran is handed to the next one.
      const later: unknown[] = [];
      const next = bus.fanout();
      next.start((_s, data) => {
        later.push(data);
        return 'emitted';
      });
      await waitFor(() => later.some((d) => (d as { late?: boolean }).late), { message: 'late event delivered' });
      await next.stop();
    });
  });
}

busContract('memory', async () => {
  const memory = createMemoryBus();
  return { publisher: memory.publisher, fanout: () => memory.fanout };
});

describe('memory bus: two consumers, like the two streams', () => {
  it('memory - message events go to the fan-out, app and conversation events to the events source', async () => {
    const memory = createMemoryBus();
    const fanned: string[] = [];
    const events: string[] = [];
    memory.fanout.start((subject) => (fanned.push(subject), 'emitted'));
    memory.events.start((subject) => (events.push(subject), 'emitted'));
    await memory.publisher.publish('message.created', encode({}), 'm-1');
    await memory.publisher.publish('app.credentials_revoked', encode({}), 'a-1');
    await memory.publisher.publish('conversation.updated', encode({}), 'c-1');
    await waitFor(() => fanned.length + events.length >= 3, { message: 'three events' });
    expect(fanned).toEqual(['message.created']);
    expect(events).toEqual(['app.credentials_revoked', 'conversation.updated']);
  });
});

const servers: ServerProcess[] = [];
let connections: NatsConnection[] = [];
const jetStreamBus = (prefix: string) => async (): Promise<Bus> => {
  const nats = await startNatsServer();
  servers.push(nats);
  const nc = await connectNats(nats.url, 'bus-contract', logger, { status: createDependencyStatus(logger) });
  connections.push(nc);
  const names = natsNames(prefix);
  const publisher = createJetStreamPublisher({ connection: nc, logger, names });
  // The stream exists once the publisher has ensured it.
  await publisher.publish('message.created', encode({ warmup: true }), 'warmup');
  return { publisher, fanout: () => createJetStreamFanout({ nc, names, logger, canEmit: () => true, retryDelayMs: 100, pullExpiresMs: FANOUT_PULL_EXPIRES_MS }) };
};
busContract('jetstream', jetStreamBus(''));
// With a NATS_PREFIX the wire names change (`env-a.message.created` on `env-a_MESSAGES`); both sides still speak the
// contract's subjects.
busContract('jetstream with NATS_PREFIX', jetStreamBus('env-a'));

afterAll(async () => {
  for (const nc of connections) await nc.close();
  connections = [];
  for (const nats of servers) await nats[Symbol.asyncDispose]();
});
