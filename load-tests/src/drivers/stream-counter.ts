import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { MESSAGES_STREAM } from '@switchboard/protocol';

export interface StreamCounter extends AsyncDisposable {
  /** Messages ever stored in the MESSAGES stream (its last sequence number). */
  lastSeq(): Promise<number>;
}

/** Reads how far the contract's stream got: what the outbox relay has published. */
export async function startStreamCounter(natsUrl: string): Promise<StreamCounter> {
  const nc = await connect({ servers: natsUrl, name: 'load-stream-counter' });
  const jsm = await jetstreamManager(nc);
  return {
    lastSeq: async () => (await jsm.streams.info(MESSAGES_STREAM.name)).state.last_seq,
    [Symbol.asyncDispose]: () => nc.drain(),
  };
}
