// Shared by bench.mjs and race.mjs: private redis-server and nats-server on free ports, forked processes spoken to
// over IPC, and CPU time read from /proc for processes that cannot report it themselves.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';

export const here = path.dirname(fileURLToPath(import.meta.url));

// Whatever this run started ends with it, also when it fails or `timeout` stops it (early runs left orphans).
const started = new Set();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(1));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

/** A private redis-server and `nats-server -js` (never the shared 6379/4222); `stop()` removes them. */
export async function startServers() {
  const dir = mkdtempSync(path.join(tmpdir(), 'interest-fanout-'));
  const [redisPort, natsPort] = [await freePort(), await freePort()];
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', dir], { stdio: 'ignore' });
  started.add(redis).add(nats);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  for (let i = 0; i < 100; i++) {
    const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    const ok = await r.connect().then(() => r.ping(), () => false);
    r.disconnect();
    if (ok) break;
    await sleep(50);
  }
  let nc;
  for (let i = 0; i < 100 && !nc; i++) nc = await connect({ servers: natsUrl }).catch(() => sleep(50));
  return {
    redisUrl,
    natsUrl,
    nc,
    pids: { redis: redis.pid, nats: nats.pid },
    async stop() {
      await nc.close();
      redis.kill();
      nats.kill();
      await sleep(200);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Forks a script; resolves once it says `ready`. `call(cmd)` sends a command and waits for its reply. */
export function forkProcess(script, env) {
  const child = fork(path.join(here, script), [], { env: { ...process.env, ...env }, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.add(child);
  let next = 0;
  const waiting = new Map();
  let ready;
  const readyP = new Promise((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before ready`)));
  });
  child.on('message', (msg) => {
    if (msg.ready) ready(msg);
    else if (msg.reply !== undefined) {
      waiting.get(msg.reply)?.(msg);
      waiting.delete(msg.reply);
    }
  });
  const call = (cmd, args = {}) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      child.send({ cmd, id, ...args });
    });
  return readyP.then((info) => ({ child, info, call, stop: () => { child.send({ cmd: 'stop' }); } }));
}

/** utime + stime of any process, in µs (clock ticks of 10 ms). */
export function procCpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export const cpuMicros = (usage) => usage.user + usage.system;

/** VmRSS of any process, in KiB. */
export function rssKib(pid) {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * The stream and the shared durable consumer of a run, as the gateways have them (`<prefix>_MESSAGES`,
 * `<prefix>_gateway-fanout` on `<prefix>.message.created`); answers their names.
 */
export async function addFanoutStream(nc, prefix) {
  const names = { stream: `${prefix}_MESSAGES`, durable: `${prefix}_gateway-fanout`, subject: `${prefix}.message.created` };
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: names.stream, subjects: [`${prefix}.message.>`] });
  await jsm.consumers.add(names.stream, {
    durable_name: names.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: names.subject,
    ack_wait: 10_000_000_000,
    max_ack_pending: 20_000,
    max_deliver: -1,
  });
  return names;
}

/** The `message.created` payload the benchmarks publish: event `i` of a run, for one conversation. */
export function messageCreatedEvent(i, conversationId) {
  return {
    id: `0193c1f2-7a4e-7b3c-9d2e-${String(i).padStart(12, '0')}`,
    local_id: `local-${i}`,
    conversation_id: conversationId,
    seq: i + 1,
    body: 'Hello, I would like to know where my order is: it was due yesterday and the tracking page says nothing.',
    sender: 'user',
    sender_id: 'device-7f3a9c',
    sender_name: null,
    created_at: new Date().toISOString(),
    status: 'sent',
    app_id: 'app-1',
  };
}
