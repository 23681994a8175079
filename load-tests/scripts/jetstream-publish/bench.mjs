// `node load-tests/scripts/jetstream-publish/bench.mjs BEFORE_DIST AFTER_DIST [BATCH] [BATCHES]`: the outbox relay's
// publisher CPU per JetStream publish, before change 17 of docs/performance.md (`jetstream().publish`, a request
// each: BEFORE_DIST is a build of services/messages before it) and after it (one reply subscription and one timer:
// AFTER_DIST, e.g. services/messages/dist). A private nats-server (libs/testing) with the contract's streams; each
// batch is BATCH publishes of a message.created-sized payload with their own Nats-Msg-Id, awaited together as the
// relay does (Promise.allSettled). CPU is this process's user + system time (process.cpuUsage), so nats-server's
// own work is not in it. Alternates before and after three times, after a warm-up of 20 batches each.
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { startNatsServer } from '@switchboard/testing';

const [beforeDist, afterDist] = process.argv.slice(2, 4).map((p) => path.resolve(p));
if (!beforeDist || !afterDist) throw new Error('usage: bench.mjs BEFORE_DIST AFTER_DIST [BATCH] [BATCHES]');
const BATCH = Number(process.argv[4] ?? 500);
const BATCHES = Number(process.argv[5] ?? 40);
const payload = new TextEncoder().encode(
  JSON.stringify({ id: 'msg_019aee6e3f3a7b2c9d4e5f6071829301', local_id: 'l-1', conversation_id: 'conv_019aee6e3f3a7b2c9d4e5f6071829001', seq: 101, body: 'b'.repeat(30), sender: 'user', sender_id: 'dev', sender_name: null, created_at: new Date().toISOString(), status: 'sent', app_id: 'app_019aee6e3f3a7b2c9d4e5f60718' }),
);
const logger = createLogger({ service: 'bench', level: 'silent' });
const nats = await startNatsServer();
try {
const nc = await connect({ servers: nats.url, noAsyncTraces: true }); // as the service connects (libs/runtime)
const make = async (dist) => (await import(`${dist}/outbox/jetstream-publisher.js`)).createJetStreamPublisher({ connection: nc, logger, names: natsNames() });
const publishers = { before: await make(beforeDist), after: await make(afterDist) };
let serial = 0;
const batch = async (publisher) => {
  const results = await Promise.allSettled(Array.from({ length: BATCH }, () => publisher.publish('message.created', payload, `bench-${serial++}`)));
  if (results.some((r) => r.status === 'rejected')) throw new Error('a publish failed');
};
for (const name of ['before', 'after', 'before', 'after', 'before', 'after']) {
  for (let i = 0; i < 20; i++) await batch(publishers[name]);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) await batch(publishers[name]);
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = BATCH * BATCHES;
  console.log(`${name.padEnd(6)} ${n} publishes in batches of ${BATCH}: ${((c.user + c.system) / n).toFixed(1)} µs CPU each (user ${(c.user / n).toFixed(1)}, system ${(c.system / n).toFixed(1)}), ${(n / wall).toFixed(0)}/s`);
}
await nc.close();
} finally {
  await nats[Symbol.asyncDispose]();
}
