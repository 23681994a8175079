import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { natsNames, type MessageCreatedEvent, type NatsNames } from '@switchboard/protocol';
import { sleep } from '@switchboard/runtime';

export interface PacedRun {
  readonly published: number;
  readonly failed: number;
  /** Published events per target index. */
  readonly perTarget: readonly number[];
  readonly seconds: number;
}

export interface BusPublisher extends AsyncDisposable {
  /**
   * Publishes `message.created` events into JetStream at `ratePerSecond` for `seconds`, round-robin over the
   * targets, exactly as the messages service's outbox relay would (message id as `Nats-Msg-Id`). Each body starts
   * with the publish time in ms and `tag`, which the clients read back. Bounded: it stops after `seconds`.
   */
  run(targets: readonly { appId: string; conversationId: string }[], ratePerSecond: number, seconds: number, tag: string): Promise<PacedRun>;
}

const fakeId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

export async function startBusPublisher(natsUrl: string, names: NatsNames = natsNames()): Promise<BusPublisher> {
  const nc = await connect({ servers: natsUrl, name: 'load-bus-publisher' });
  const js = jetstream(nc);
  let seq = 0;
  return {
    async run(targets, ratePerSecond, seconds, tag) {
      const perTarget = new Array<number>(targets.length).fill(0);
      let published = 0;
      let failed = 0;
      let sent = 0;
      let cursor = 0;
      const inFlight = new Set<Promise<void>>();
      const started = Date.now();
      const total = Math.round(ratePerSecond * seconds);
      // A tick every 5 ms sends what the schedule says is due, so the rate holds without drift.
      while (sent < total) {
        const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * ratePerSecond));
        for (; sent < due; sent++) {
          const index = cursor++ % targets.length;
          const target = targets[index]!;
          const now = Date.now();
          const id = fakeId('msg');
          const event: MessageCreatedEvent = {
            id,
            local_id: `bus-${++seq}`,
            sender_id: null,
            sender_name: null,
            conversation_id: target.conversationId,
            seq,
            body: `${now} ${tag} fan-out payload of a typical chat message, about a hundred characters long...`,
            sender: 'agent',
            created_at: new Date(now).toISOString(),
            status: 'sent',
            app_id: target.appId,
          };
          const p = js.publish(names.subjects.messageCreated, JSON.stringify(event), { msgID: id }).then(
            () => {
              published++;
              perTarget[index]!++;
            },
            () => void failed++,
          );
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
        await sleep(5);
      }
      await Promise.all(inFlight);
      return { published, failed, perTarget, seconds: (Date.now() - started) / 1000 };
    },
    async [Symbol.asyncDispose]() {
      await nc.drain();
    },
  };
}
