// Webhook deliveries per second to a local receiver, and the delivery engine's CPU per delivery:
//   node load-tests/scripts/webhooks-throughput/bench.mjs [EVENTS] [ENDPOINTS]
// (after `npx tsc -b`). Starts a private nats-server and a scratch database, one app with ENDPOINTS endpoints
// (default 4) on one local receiver answering 200 at once, and the delivery engine in a process of its own
// (services/webhooks/test/support/engine-process.mjs: the service's engine and JetStream source, built). Publishes
// EVENTS `message.created` events (default 4000) to `MESSAGES` as the outbox relay does (Nats-Msg-Id = message
// id), as fast as JetStream acks them, and times publish start → last delivery received. CPU is the engine process's
// user + system time (/proc/PID/stat) over the same window; Postgres' own CPU is printed apart
// (the backends serving the scratch database, read from /proc).
// Environment: PER_ENDPOINT (default 16), TOTAL (default 128): the engine's concurrency.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { createTestDatabase, startNatsServer } from '@switchboard/testing';
import { createJetStreamPublisher } from '@switchboard/messages';
import { migrateWebhooks } from '@switchboard/webhooks';

const events = Number(process.argv[2] ?? 4000);
const endpointCount = Number(process.argv[3] ?? 4);
const expected = events * endpointCount;
const TICKS = 100; // USER_HZ on Linux
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};
/** CPU of the Postgres backends serving the scratch database (its connections; pids that ended are missed). */
const backendCpu = async () => {
  const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {}
  }
  return cpu;
};

const nats = await startNatsServer();
const database = await createTestDatabase('sb_bench_webhooks');
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
pool.on('error', () => {});
const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
await migrateWebhooks(db);
const nc = await connect({ servers: nats.url });
const logger = createLogger({ service: 'bench', level: 'warn' });
const publisher = createJetStreamPublisher({ connection: nc, logger, names: natsNames('') });
await publisher.publish('message.created', new TextEncoder().encode('{}'), 'warmup');

let received = 0;
let lastAt = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    lastAt = performance.now();
    res.writeHead(200).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${receiver.address().port}/hook`;
const appId = 'app_bench';
for (let i = 0; i < endpointCount; i++) {
  await db
    .insertInto('webhooks.endpoints')
    .values({ id: `whk_bench_${i}`, app_id: appId, url, events: ['message.created'], secret: `whsec_${Buffer.alloc(32, i + 1).toString('base64')}` })
    .execute();
}

const script = fileURLToPath(new URL('../../../services/webhooks/test/support/engine-process.mjs', import.meta.url));
const engine = spawn(process.execPath, [script], {
  env: { PATH: process.env.PATH, DATABASE_URL: database.url, NATS_URL: nats.url, LOG_LEVEL: 'warn', PER_ENDPOINT: process.env.PER_ENDPOINT ?? '16', TOTAL: process.env.TOTAL ?? '128' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve) => engine.stdout.on('data', (c) => c.toString().includes('ready') && resolve()));

const message = (i) => ({
  id: `msg_bench_${i}`,
  local_id: `l${i}`,
  conversation_id: 'conv_bench',
  seq: i + 1,
  body: `benchmark message ${i} with a body of a realistic length for a chat message`,
  sender: 'user',
  sender_id: 'dev-bench',
  sender_name: null,
  created_at: new Date().toISOString(),
  status: 'sent',
  app_id: appId,
});
const encoder = new TextEncoder();
const cpuBefore = cpuSeconds(engine.pid);
const pgBefore = await backendCpu();
const started = performance.now();
let next = 0;
const publishers = Array.from({ length: 32 }, async () => {
  while (next < events) {
    const i = next++;
    await publisher.publish('message.created', encoder.encode(JSON.stringify(message(i))), `msg_bench_${i}`);
  }
});
await Promise.all(publishers);
const published = performance.now();
let ingestedAt;
const ingestProbe = setInterval(async () => {
  const { rows } = await pool.query("SELECT count(*)::int AS n FROM webhooks.deliveries");
  if (!ingestedAt && rows[0].n >= expected) ingestedAt = performance.now();
}, 100);
while (received < expected) await new Promise((r) => setTimeout(r, 20));
clearInterval(ingestProbe);
const seconds = (lastAt - started) / 1000;
const cpu = cpuSeconds(engine.pid) - cpuBefore;
const pgAfter = await backendCpu();
const pgCpu = [...pgAfter].reduce((sum, [pid, after]) => sum + after - (pgBefore.get(pid) ?? 0), 0);

const rows = await db.selectFrom('webhooks.deliveries').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'delivered').executeTakeFirst();
console.log(
  JSON.stringify(
    {
      events,
      endpoints: endpointCount,
      deliveries: received,
      delivered_rows: Number(rows.n),
      publish_seconds: Number(((published - started) / 1000).toFixed(2)),
      ingested_seconds: ingestedAt ? Number(((ingestedAt - started) / 1000).toFixed(2)) : null,
      seconds: Number(seconds.toFixed(2)),
      deliveries_per_second: Math.round(received / seconds),
      engine_cpu_seconds: Number(cpu.toFixed(2)),
      engine_cpu_us_per_delivery: Math.round((cpu / received) * 1e6),
      postgres_cpu_seconds: Number(pgCpu.toFixed(2)),
      postgres_cpu_us_per_delivery: Math.round((pgCpu / received) * 1e6),
      engine_cores_busy: Number((cpu / seconds).toFixed(2)),
    },
    null,
    1,
  ),
);

engine.kill('SIGTERM');
await new Promise((r) => engine.once('exit', r));
receiver.close();
await nc.close();
await db.destroy();
await database.drop();
await nats[Symbol.asyncDispose]();
