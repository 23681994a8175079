import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { natsNames, type NatsNames } from '@switchboard/protocol';

export interface StreamCounter extends AsyncDisposable {
  /** Messages ever stored in the MESSAGES stream (its last sequence number). */
  lastSeq(): Promise<number>;
}

/** Reads how far the contract's stream (this environment's, with a `NATS_PREFIX`) got: what the outbox relay has published. */
export async function startStreamCounter(natsUrl: string, names: NatsNames = natsNames()): Promise<StreamCounter> {
  const nc = await connect({ servers: natsUrl, name: 'load-stream-counter' });
  const jsm = await jetstreamManager(nc);
  return {
    lastSeq: async () => (await jsm.streams.info(names.streams.messages)).state.last_seq,
    [Symbol.asyncDispose]: () => nc.drain(),
  };
}
