import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EVENTS_STREAM } from '@switchboard/protocol';
import { startGatewayStack, type GatewayStack } from './harness.js';

/**
 * A stack whose `EVENTS` stream exists before its gateway nodes start (a node is ready only once attached to
 * `gateway-events`). The stream is the messages service's to create (with the rotation release); made here when
 * this messages service does not, with the contract's subjects.
 */
export async function startStackWithEvents(nodes: number): Promise<GatewayStack> {
  const stack = await startGatewayStack({ nodes: 0 });
  try {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.info(EVENTS_STREAM.name).catch(() => jsm.streams.add({ name: EVENTS_STREAM.name, subjects: [...EVENTS_STREAM.subjects] }));
    } finally {
      await nc.close();
    }
    for (let i = 0; i < nodes; i++) await stack.startNode();
    return stack;
  } catch (error) {
    await stack[Symbol.asyncDispose]();
    throw error;
  }
}
