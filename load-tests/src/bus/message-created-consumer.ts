import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { MessageCreatedEvent, natsNames } from '@switchboard/protocol';

/** How many events a comparison server may hold unacked: above what a load run keeps in flight. */
const MAX_ACK_PENDING = 20_000;
/** Events per pull batch of `consume()`. */
const PULL_BATCH = 1000;

/** A body that is not JSON is not a `message.created` event: skipped (and acked), as one failing the schema. */
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

export interface MessageCreatedConsumerOptions {
  readonly nc: NatsConnection;
  /** `NATS_PREFIX` of the stack (names of the stream and subjects). */
  readonly prefix: string;
  /** The durable consumer's name, prefixed like the stream: one per comparison server. */
  readonly name: string;
  readonly onEvent: (event: MessageCreatedEvent) => void;
}

export interface MessageCreatedConsumer {
  /** Stops pulling and deletes the durable consumer. */
  close(): Promise<void>;
}

/**
 * The gateway's delivery path for the comparison servers (baseline, floor): a durable JetStream consumer of their
 * own, created fresh (new events only), every `message.created` event validated, handed over, then acked.
 */
export async function startMessageCreatedConsumer(options: MessageCreatedConsumerOptions): Promise<MessageCreatedConsumer> {
  const names = natsNames(options.prefix);
  const stream = names.streams.messages;
  const durable = names.prefix ? `${names.prefix}_${options.name}` : options.name;
  const jsm = await jetstreamManager(options.nc);
  await jsm.consumers.delete(stream, durable).catch(() => undefined);
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: names.streamSubjects.messages[0],
    max_ack_pending: MAX_ACK_PENDING,
  });
  const messages = await (await jetstream(options.nc).consumers.get(stream, durable)).consume({ max_messages: PULL_BATCH });
  const loop = (async () => {
    for await (const m of messages) {
      if (m.subject === names.subjects.messageCreated) {
        const parsed = MessageCreatedEvent.safeParse(parseJson(m.string()));
        if (parsed.success) options.onEvent(parsed.data);
      }
      m.ack();
    }
  })();
  return {
    async close() {
      await messages.close();
      await loop;
      await jsm.consumers.delete(stream, durable);
    },
  };
}
