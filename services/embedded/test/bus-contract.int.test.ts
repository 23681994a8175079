import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '@switchboard/logger';
import { natsNames, SUBJECTS, type AppCredentialsRevokedEvent } from '@switchboard/protocol';
import { sleep, startNatsServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { createJetStreamPublisher, type Publisher } from '@switchboard/messages';
import { connectNats, createDependencyStatus } from '@switchboard/runtime';
import { createJetStreamFanout, FANOUT_PACE_MS, FANOUT_PULL_EXPIRES_MS, type FanoutSource } from '@switchboard/gateway';
import { createMemoryBus } from '../src/memory-bus.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

interface Bus {
  publisher: Publisher;
  /** The source of one gateway (a new one each call where the bus allows several). */
  fanout: () => FanoutSource;
  /** What reached the `EVENTS` side, in order, with the contract's subjects: the stream's content, or what its source handed out. */
  events: () => Promise<{ subject: string; data: unknown }[]>;
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

    it(`${name} - app and conversation events go to EVENTS once each, in order, never to the message fan-out`, async () => {
      const fanned: string[] = [];
      const source = bus.fanout();
      source.start((subject) => {
        fanned.push(subject);
        return 'emitted';
      });
      await sleep(300); // the JetStream consumer attaches
      const revoked: AppCredentialsRevokedEvent = {
        app_id: 'app_contract',
        which: 'admin_token',
        valid_until: '2026-01-01T00:00:00.000Z',
        credential_id: 'admin_token:0123456789abcdef',
      };
      const updated = { app_id: 'app_contract', conversation: { id: 'conv_contract' } };
      expect(await bus.publisher.publish(SUBJECTS.appCredentialsRevoked, encode(revoked), 'revoked-1')).toEqual({ duplicate: false });
      expect(await bus.publisher.publish(SUBJECTS.appCredentialsRevoked, encode(revoked), 'revoked-1')).toEqual({ duplicate: true });
      expect(await bus.publisher.publish('conversation.updated', encode(updated), 'updated-1')).toEqual({ duplicate: false });
      await waitFor(async () => (await bus.events()).length >= 2, { message: 'two events on EVENTS' });
      expect(await bus.events()).toEqual([
        { subject: 'app.credentials_revoked', data: revoked },
        { subject: 'conversation.updated', data: updated },
      ]);
      await sleep(300);
      await source.stop();
      expect(fanned.filter((subject) => !subject.startsWith('message.'))).toEqual([]);
    });

    it(`${name} - a subject no stream captures is refused`, async () => {
      await expect(bus.publisher.publish('nowhere.at_all', encode({}), 'nowhere-1')).rejects.toThrow();
    });
  });
}

busContract('memory', async () => {
  const memory = createMemoryBus();
  const events: { subject: string; data: unknown }[] = [];
  memory.events.start((subject, data) => {
    events.push({ subject, data });
    return 'emitted';
  });
  return { publisher: memory.publisher, fanout: () => memory.fanout, events: async () => [...events] };
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

describe('memory bus: the webhooks consumer beside the gateway', () => {
  it('memory - the webhooks source gets every event of both streams with its id, whatever the gateway took', async () => {
    const memory = createMemoryBus();
    const fanned: string[] = [];
    memory.fanout.start((subject) => (fanned.push(subject), 'emitted'));
    const seen: { id: string; subject: string; payload: unknown }[] = [];
    await memory.webhooks.start(async (events) => void seen.push(...events.map(({ id, subject, payload }) => ({ id, subject, payload }))));
    await memory.publisher.publish('message.created', encode({ n: 1 }), 'm-1');
    await memory.publisher.publish('conversation.updated', encode({ c: 1 }), 'c-1');
    await memory.publisher.publish('message.created', encode({ n: 1 }), 'm-1'); // duplicate: dropped
    await memory.publisher.publish('message.status', encode({ s: 1 }), 's-1');
    await waitFor(() => seen.length >= 3 && fanned.length >= 2, { message: 'three events' });
    await sleep(50);
    expect(fanned).toEqual(['message.created', 'message.status']);
    expect(seen.map((e) => e.id).sort()).toEqual(['c-1', 'm-1', 's-1']);
    expect(seen.find((e) => e.id === 'm-1')).toEqual({ id: 'm-1', subject: 'message.created', payload: { n: 1 } });
    await memory.webhooks.stop();
  });

  it('memory - an event whose handling fails is offered again, in order, and events published while stopped wait', async () => {
    const memory = createMemoryBus();
    const handled: string[] = [];
    let failures = 1;
    await memory.webhooks.start(async (events) => {
      if (events.some((e) => e.id === 'a') && failures-- > 0) throw new Error('database away');
      handled.push(...events.map((e) => e.id));
    });
    await memory.publisher.publish('message.created', encode({}), 'a');
    await memory.publisher.publish('message.created', encode({}), 'b');
    await waitFor(() => handled.length >= 2, { message: 'both, after the retry', timeoutMs: 5000 });
    expect(handled).toEqual(['a', 'b']);
    await memory.webhooks.stop();
    await memory.publisher.publish('message.created', encode({}), 'c');
    await sleep(50);
    expect(handled).toEqual(['a', 'b']);
    await memory.webhooks.start(async (events) => void handled.push(...events.map((e) => e.id)));
    await waitFor(() => handled.length >= 3, { message: 'the event kept while stopped' });
    expect(handled).toEqual(['a', 'b', 'c']);
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
  return {
    publisher,
    fanout: () => createJetStreamFanout({ nc, names, logger, canEmit: () => true, retryDelayMs: 100, pullExpiresMs: FANOUT_PULL_EXPIRES_MS, paceMs: FANOUT_PACE_MS }),
    events: async () => {
      const jsm = await jetstreamManager(nc);
      const { state } = await jsm.streams.info(names.streams.events);
      const events: { subject: string; data: unknown }[] = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const message = await jsm.streams.getMessage(names.streams.events, { seq });
        if (message) events.push({ subject: names.contractSubject(message.subject) ?? message.subject, data: message.json() });
      }
      return events;
    },
  };
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
