import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { natsNames } from '@switchboard/protocol';
import { freeStablePort, startNatsServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { createJetStreamPublisher } from '../src/outbox/jetstream-publisher.js';
import { readStream, testLogger } from './harness.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/**
 * The outbox's JetStream publisher on a private nats-server: publishes share one reply subscription and one timer
 * (docs/performance.md, change 17), and each still resolves only on its own PubAck and fails on its own error.
 */
describe('JetStream publisher', () => {
  let nats: ServerProcess;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.[Symbol.asyncDispose]();
  });

  it('jetstream publisher - a pipelined batch is stored once each, in publish order; a republished id is acknowledged as duplicate', async () => {
    const publisher = createJetStreamPublisher({ connection: nc, logger: testLogger(), names: natsNames() });
    const ids = Array.from({ length: 300 }, (_, i) => `batch-${i}`);
    const acks = await Promise.all(ids.map((id, i) => publisher.publish('message.created', bytes(JSON.stringify({ i })), id)));
    expect(acks.every((ack) => ack.duplicate === false)).toBe(true);

    const again = await Promise.all(ids.slice(0, 5).map((id) => publisher.publish('message.created', bytes('{"again":true}'), id)));
    expect(again.map((ack) => ack.duplicate)).toEqual([true, true, true, true, true]);

    const stream = (await readStream(nats.url)).filter((e) => e.msgId?.startsWith('batch-'));
    expect(stream.map((e) => e.msgId)).toEqual(ids);
    expect(stream.map((e) => (e.data as { i: number }).i)).toEqual(ids.map((_, i) => i));
  });

  it('jetstream publisher - a subject no stream captures fails (no responders), and the publishes beside it still succeed', async () => {
    const publisher = createJetStreamPublisher({ connection: nc, logger: testLogger(), names: natsNames() });
    const [stored, lost] = await Promise.allSettled([
      publisher.publish('message.created', bytes('{}'), 'beside-1'),
      publisher.publish('nowhere.subject', bytes('{}'), 'nowhere-1'),
    ]);
    expect(stored).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    expect(lost).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/no responders/) } });
  });

  it('jetstream publisher - a PubAck that never comes fails that publish after the timeout', async () => {
    // A plain subscriber on the subject: the message is delivered, and nobody answers.
    const silent = nc.subscribe('silent.subject');
    await nc.flush();
    const publisher = createJetStreamPublisher({ connection: nc, logger: testLogger(), names: natsNames(), timeoutMs: 300 });
    const started = Date.now();
    const [answered, unanswered] = await Promise.allSettled([
      publisher.publish('message.created', bytes('{}'), 'answered-1'),
      publisher.publish('silent.subject', bytes('{}'), 'silent-1'),
    ]);
    expect(answered.status).toBe('fulfilled');
    expect(unanswered).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/no JetStream acknowledgement within 300 ms/) } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(silent.getReceived()).toBe(1);
    silent.unsubscribe();
  });

  it('jetstream publisher - an error PubAck (the stream is full) fails only the publish it answers', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'FULL', subjects: ['full.>'], storage: StorageType.Memory, max_msgs: 1, discard: DiscardPolicy.New });
    const publisher = createJetStreamPublisher({ connection: nc, logger: testLogger(), names: natsNames() });
    const results = await Promise.allSettled([
      publisher.publish('full.a', bytes('{}'), 'full-1'),
      publisher.publish('full.a', bytes('{}'), 'full-2'),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/JetStream refused the publish: maximum messages exceeded/) } });
  });

  it('jetstream publisher - publishes waiting for their PubAck fail when the connection closes, and later ones fail at once', async () => {
    const own = await connect({ servers: nats.url });
    const silent = own.subscribe('silent.closing');
    await own.flush();
    const publisher = createJetStreamPublisher({ connection: own, logger: testLogger(), names: natsNames() });
    const waiting = publisher.publish('silent.closing', bytes('{}'), 'closing-1');
    const settled = Promise.allSettled([waiting]);
    await own.flush();
    expect(silent.getReceived()).toBe(1);
    await own.close();
    const [result] = await settled;
    expect(result).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/not connected|closed/i) } });
    await expect(publisher.publish('message.created', bytes('{}'), 'closing-2')).rejects.toThrow(/not connected/);
  });

  /**
   * Its own server on a fixed port (restarted on its store, as the fault suite does) and a client that reconnects,
   * as the service's does; `back` resolves once the client is connected again after `server.start()`.
   */
  const reconnecting = async () => {
    const server = await startNatsServer({ port: await freeStablePort() });
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    let reconnects = 0;
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') reconnects++;
    })();
    const publisher = createJetStreamPublisher({ connection: nc, logger: testLogger(), names: natsNames(), timeoutMs: 300 });
    return {
      server,
      nc,
      publisher,
      back: () => waitFor(() => reconnects > 0, { timeoutMs: 5000, message: 'client reconnected' }),
      async [Symbol.asyncDispose]() {
        await nc.close();
        await server[Symbol.asyncDispose]();
      },
    };
  };

  /** The first publish after NATS returned, which must be acknowledged without waiting for anything from before. */
  const firstAfterReturn = async (publisher: ReturnType<typeof createJetStreamPublisher>, msgId: string) => {
    const started = Date.now();
    await expect(publisher.publish('message.created', bytes('{}'), msgId)).resolves.toEqual({ duplicate: false });
    expect(Date.now() - started).toBeLessThan(1000);
  };

  it('jetstream publisher - while NATS is away a stream check fails at once, so the first publish after its return is not held by one', async () => {
    await using t = await reconnecting();
    await t.publisher.publish('message.created', bytes('{}'), 'away-0');
    await t.server.kill();
    // A publish while NATS is away fails after the PubAck wait; the stream is to be checked again before the next.
    await expect(t.publisher.publish('message.created', bytes('{}'), 'away-1')).rejects.toThrow(/no JetStream acknowledgement/);
    // The next one, NATS still away: a check begun now would have its request dropped with the connection and end
    // only at JetStream's API timeout (5 s), holding the publishes after the return until then.
    await expect(t.publisher.publish('message.created', bytes('{}'), 'away-2')).rejects.toThrow(/not connected/);
    await t.server.start();
    await t.back();
    await firstAfterReturn(t.publisher, 'back-1');
  });

  it('jetstream publisher - a stream check left unanswered on a lost connection is not waited for on the next one', async () => {
    await using t = await reconnecting();
    await t.publisher.publish('message.created', bytes('{}'), 'lost-0');
    // A frozen server: the client still takes itself for connected, and nothing it sends is answered.
    process.kill(t.server.pid!, 'SIGSTOP');
    await expect(t.publisher.publish('message.created', bytes('{}'), 'lost-1')).rejects.toThrow(/no JetStream acknowledgement/);
    const unanswered = t.publisher.publish('message.created', bytes('{}'), 'lost-2'); // its stream check is sent, never answered
    unanswered.catch(() => {});
    await t.server.kill(); // SIGKILL ends the frozen process too; its connections close
    await t.server.start();
    await t.back();
    await firstAfterReturn(t.publisher, 'back-2');
  });
});
