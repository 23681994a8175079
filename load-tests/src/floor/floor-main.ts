/**
 * Process entry of the floor server (see floor-server.ts), started by the load runner like a service:
 * `FLOOR_PORT`, `FLOOR_HOST` (default 127.0.0.1), `NATS_URL`, `NATS_PREFIX` (optional), `MESSAGES_URL`,
 * `INTERNAL_TOKEN` (optional), `PING_INTERVAL_MS` / `PING_TIMEOUT_MS` (Socket.IO's defaults, 25 s / 20 s).
 */
import uws from 'uWebSockets.js';
import { connect } from '@nats-io/transport-node';
import { reportListening } from '@switchboard/runtime';
import { startMessageCreatedConsumer } from '../bus/message-created-consumer.js';
import { createHandshakeAuth } from './handshake-auth.js';
import { startFloorServer } from './floor-server.js';
import { requiredEnv } from '../stack/required-env.js';

const DEFAULT_PING_INTERVAL_MS = 25_000;
const DEFAULT_PING_TIMEOUT_MS = 20_000;
const MESSAGES_READY_PATH = '/readyz';

async function main(): Promise<void> {
  const env = process.env;
  const required = (name: string) => requiredEnv(name, env);
  const messagesUrl = required('MESSAGES_URL');
  // The handshakes' way to the messages service, warmed once (Node's fetch loads undici on first use: megabytes
  // that would otherwise land in the first connections' memory figures) and checked to answer.
  const probe = await fetch(new URL(MESSAGES_READY_PATH, messagesUrl));
  await probe.text();
  if (!probe.ok) throw new Error(`the messages service at ${messagesUrl} is not ready (${probe.status})`);
  const server = await startFloorServer({
    app: uws.App(),
    host: env.FLOOR_HOST ?? '127.0.0.1',
    port: Number(required('FLOOR_PORT')),
    auth: createHandshakeAuth({ messagesUrl, internalToken: env.INTERNAL_TOKEN }),
    pingIntervalMs: Number(env.PING_INTERVAL_MS ?? DEFAULT_PING_INTERVAL_MS),
    pingTimeoutMs: Number(env.PING_TIMEOUT_MS ?? DEFAULT_PING_TIMEOUT_MS),
  });
  const nc = await connect({ servers: required('NATS_URL'), name: 'floor' });
  // Reported (and so probed ready) only once the consumer exists: it delivers only what is published after.
  const consumer = await startMessageCreatedConsumer({ nc, prefix: env.NATS_PREFIX ?? '', name: 'floor-fanout', onEvent: (event) => server.messageCreated(event) });
  reportListening('FLOOR_PORT', server.port);

  const stop = async () => {
    await consumer.close();
    server.close();
    await nc.drain();
    process.exit(0);
  };
  const onSignal = () =>
    void stop().catch((error: unknown) => {
      process.stderr.write(`floor: stopping failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
