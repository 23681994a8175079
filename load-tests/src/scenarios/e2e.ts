import { fileURLToPath } from 'node:url';
import { sleep, startServiceProcess } from '@switchboard/testing';
import type { SocketSpec } from '../clients/worker-messages.js';
import type { WriteTarget } from '../drivers/rest-writer-messages.js';
import { startRestWriters } from '../drivers/rest-writers.js';
import { startStreamCounter } from '../drivers/stream-counter.js';
import { clientAuth, createFixtures, deviceHeaders } from '../fixtures/app-fixtures.js';
import { perServer, type Figure } from '../measure/report.js';
import { engineIoUrl } from '../protocol/sio-frames.js';
import { OPERATOR_TOKEN, type ServerKind } from '../stack/load-stack.js';
import type { RunContext } from './run-context.js';
import { settle } from './settle.js';
import { runPgbench, type PgbenchResult } from '../pgbench/run-pgbench.js';
import { pgbenchOptions, pgbenchTable } from './pgbench.js';

interface Throughput {
  readonly accepted: number;
  readonly failed: number;
  readonly seconds: number;
  /** Until the stream held every accepted message. */
  readonly publishSeconds: number;
  readonly published: number;
  readonly postP50: number | undefined;
  readonly postP99: number | undefined;
  readonly messagesCpuSeconds: number;
}

/** The same writers against a bare Node HTTP server (src/ceiling/bare-http-main.ts). */
interface Ceiling {
  readonly accepted: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const BARE_HTTP_MAIN = fileURLToPath(new URL('../ceiling/bare-http-main.js', import.meta.url));

interface Latency {
  readonly accepted: number;
  readonly failed: number;
  readonly seconds: number;
  readonly expected: number;
  readonly received: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
  readonly postP99: number | undefined;
  readonly serverCpuSeconds: number;
  readonly errors: number;
}

/**
 * `e2e`: the whole write path. Devices with `--tabs` sockets each plus one agent socket; REST writers post to the
 * devices' conversations. Phase 1 (gateway run only, the messages service is the same for both): as fast as
 * `--concurrency` allows for `--tp-seconds` → accepted/s and published/s (JetStream stream sequence). Phase 2,
 * for each server: `--rate` messages/s for `--seconds` → REST POST → `message:new` latency at the clients.
 * With `--ceiling 1` (default) the throughput phase is repeated against a bare Node HTTP server with no database
 * or broker: what this machine answers at all with the same writers.
 */
export async function runE2e(ctx: RunContext): Promise<{ figures: Figure[]; conditions: string[]; tables: string[] }> {
  const { flags, stack, fleet, log } = ctx;
  const devices = flags.int('devices', 500);
  const tabs = flags.int('tabs', 2);
  const rate = flags.int('rate', 1000);
  const seconds = flags.int('seconds', 30);
  const tpSeconds = flags.int('tp-seconds', 20);
  const concurrency = flags.int('concurrency', 64);
  const writersCount = flags.int('writers', 2);

  log(`creating ${devices} devices with a conversation each`);
  const fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices, conversations: true, prefix: 'e2e' });
  const sockets: SocketSpec[] = [{ nsp: '/admin', auth: { app_id: fixtures.app.id, admin_token: fixtures.app.admin_token } }];
  for (const d of fixtures.devices) for (let t = 0; t < tabs; t++) sockets.push({ nsp: '/client', auth: clientAuth(fixtures.app, d) });
  const targets: WriteTarget[] = fixtures.devices.map((d) => ({ conversationId: d.conversationId!, headers: deviceHeaders(fixtures.app, d.deviceId) }));
  await using writers = await startRestWriters(writersCount, flags.str('writer-cpus', '') || undefined);
  await using stream = await startStreamCounter(stack.nats.url);

  let throughput: Throughput | undefined;
  let ceiling: Ceiling | undefined;
  let pgbench: PgbenchResult | undefined;
  const latency = new Map<ServerKind, Latency>();
  for (const kind of ctx.servers) {
    log(`${kind}: starting`);
    const server = await stack.startServer(kind);
    try {
      const opened = await fleet.open(engineIoUrl(server.process.url), sockets);
      log(`${kind}: ${opened.open}/${sockets.length} sockets open`);
      await writers.run({ url: stack.messages.url, targets, concurrency: 16, rate: 200, seconds: 3, tag: `warm-${kind}` });

      if (!throughput && flags.int('tp', 1) > 0) {
        log(`throughput: ${concurrency} requests in flight for ${tpSeconds} s`);
        const seq0 = await stream.lastSeq();
        const m0 = await ctx.usage.read(stack.messages.pid);
        const started = Date.now();
        const run = await writers.run({ url: stack.messages.url, targets, concurrency, rate: undefined, seconds: tpSeconds, tag: 'throughput' });
        let seq = await stream.lastSeq();
        const deadline = Date.now() + 60_000;
        while (seq - seq0 < run.accepted && Date.now() < deadline) {
          await sleep(100);
          seq = await stream.lastSeq();
        }
        const publishSeconds = (Date.now() - started) / 1000;
        const m1 = await ctx.usage.read(stack.messages.pid);
        throughput = {
          accepted: run.accepted,
          failed: run.failed,
          seconds: run.seconds,
          publishSeconds,
          published: seq - seq0,
          postP50: run.latency.percentile(50),
          postP99: run.latency.percentile(99),
          messagesCpuSeconds: m1.cpuSeconds - m0.cpuSeconds,
        };
        log(`throughput: ${(run.accepted / run.seconds).toFixed(0)} accepted/s, ${seq - seq0} published in ${publishSeconds.toFixed(1)} s; statuses ${JSON.stringify(run.statuses)}`);
        await settle(fleet, 'throughput', run.accepted * (tabs + 1), 2000, 60_000);

        if (flags.int('ceiling', 1) > 0) {
          await using bare = await startServiceProcess({ script: BARE_HTTP_MAIN, portVariable: 'BARE_PORT', env: {} });
          const b0 = await ctx.usage.read(bare.pid);
          const bareRun = await writers.run({ url: bare.url, targets, concurrency, rate: undefined, seconds: tpSeconds, tag: 'ceiling' });
          const b1 = await ctx.usage.read(bare.pid);
          ceiling = { accepted: bareRun.accepted, seconds: bareRun.seconds, cpuSeconds: b1.cpuSeconds - b0.cpuSeconds };
          log(`ceiling: a bare Node HTTP server answered ${(bareRun.accepted / bareRun.seconds).toFixed(0)}/s`);
        }
        if (flags.int('pgbench', 1) > 0) {
          pgbench = await runPgbench(pgbenchOptions(flags, concurrency, log));
          log(`pgbench: ${pgbench.messagesPerSecond.toFixed(0)} messages/s (${pgbench.transactionsPerSecond.toFixed(0)} transactions/s)`);
        }
      }

      const tag = `latency-${kind}`;
      log(`${kind}: ${rate} messages/s for ${seconds} s`);
      const cpu0 = await ctx.sample(server);
      const run = await writers.run({ url: stack.messages.url, targets, concurrency: 256, rate, seconds, tag });
      const expected = run.accepted * (tabs + 1); // every tab of the device, and the agent's inbox
      const snapshot = await settle(fleet, tag, expected);
      const cpu1 = await ctx.sample(server);
      const stats = snapshot.tags.get(tag);
      log(`${kind}: ${stats?.received ?? 0}/${expected} delivered; statuses ${JSON.stringify(run.statuses)}`);
      latency.set(kind, {
        accepted: run.accepted,
        failed: run.failed,
        seconds: run.seconds,
        expected,
        received: stats?.received ?? 0,
        p50: stats?.sendToClient.percentile(50),
        p99: stats?.sendToClient.percentile(99),
        max: stats?.sendToClient.max(),
        postP99: run.latency.percentile(99),
        serverCpuSeconds: cpu1.cpuSeconds - cpu0.cpuSeconds,
        errors: run.failed + snapshot.drops + snapshot.protocolErrors,
      });
    } finally {
      await fleet.closeSockets();
      await server.stop();
    }
  }

  const g = latency.get('gateway');
  const t = throughput;
  const figures: Figure[] = [];
  if (t) {
    figures.push(
      { name: 'messages accepted per second (max, REST 201)', unit: '/s', gateway: t.accepted / t.seconds, baseline: undefined, better: 'higher', target: { text: '≥ 3,000 at 256 in flight', met: concurrency >= 256 ? t.accepted / t.seconds >= 3000 && t.published >= t.accepted : undefined } },
      { name: 'messages published per second (into JetStream)', unit: '/s', gateway: t.published / t.publishSeconds, baseline: undefined, better: 'higher' },
      { name: 'REST POST answer p50 at max throughput', unit: 'ms', gateway: t.postP50, baseline: undefined, better: 'lower' },
      { name: 'REST POST answer p99 at max throughput', unit: 'ms', gateway: t.postP99, baseline: undefined, better: 'lower' },
      { name: 'messages service CPU per message', unit: 'µs', gateway: (1e6 * t.messagesCpuSeconds) / Math.max(1, t.accepted), baseline: undefined, better: 'lower', target: { text: '≤ 150', met: (1e6 * t.messagesCpuSeconds) / Math.max(1, t.accepted) <= 150 } },
      { name: 'write errors at max throughput', unit: 'count', gateway: t.failed, baseline: undefined, better: 'lower' },
    );
  }
  if (t && ceiling) {
    figures.push(
      { name: 'ceiling: bare Node HTTP answers per second, same writers', unit: '/s', gateway: ceiling.accepted / ceiling.seconds, baseline: undefined, better: 'higher' },
      { name: 'ceiling: bare server CPU per 1,000 answers', unit: 'CPU-s', gateway: (1000 * ceiling.cpuSeconds) / Math.max(1, ceiling.accepted), baseline: undefined, better: 'lower' },
      { name: 'messages service throughput ÷ bare Node HTTP', unit: '%', gateway: (100 * (t.accepted / t.seconds)) / (ceiling.accepted / ceiling.seconds), baseline: undefined, better: 'higher' },
    );
  }
  figures.push(
    { name: `messages accepted per second (paced at ${rate})`, unit: '/s', ...perServer(latency, (r) => r.accepted / r.seconds), better: 'higher' },
    { name: 'REST POST → message:new p50', unit: 'ms', ...perServer(latency, (r) => r.p50), better: 'lower' },
    { name: 'REST POST → message:new p99', unit: 'ms', ...perServer(latency, (r) => r.p99), better: 'lower', target: g && { text: '≤ 100', met: g.p99 !== undefined && g.p99 <= 100 } },
    { name: 'REST POST → message:new max', unit: 'ms', ...perServer(latency, (r) => r.max), better: 'lower' },
    { name: 'REST POST answer p99', unit: 'ms', ...perServer(latency, (r) => r.postP99), better: 'lower' },
    { name: 'delivery ratio', unit: '%', ...perServer(latency, (r) => (100 * r.received) / r.expected), better: 'higher' },
    { name: 'socket server CPU', unit: '% of a core', ...perServer(latency, (r) => (100 * r.serverCpuSeconds) / r.seconds), better: 'lower' },
    { name: 'errors (writes, drops, protocol)', unit: 'count', ...perServer(latency, (r) => r.errors), better: 'lower' },
  );
  return {
    figures,
    conditions: [
      `${devices} devices × ${tabs} tabs + 1 agent socket; ${writersCount} REST writer processes (keep-alive); messages service and Postgres unpinned`,
      t ? `throughput phase (messages service; same for both servers): ${concurrency} in flight for ${tpSeconds} s` : 'throughput phase skipped',
      ...(ceiling ? [`ceiling: the same writers, ${concurrency} in flight for ${tpSeconds} s, against a bare Node HTTP server (no framework, database or broker; unpinned)`] : []),
      `latency phase: ${rate} messages/s for ${seconds} s; latency = send time in the body → client receives message:new (REST, Postgres, outbox, JetStream, server, socket)`,
      ...(pgbench ? [`pgbench (the send batch alone, after the throughput phase, same Postgres): ${pgbench.clients} clients × ${pgbench.batch} messages per transaction for ${pgbench.seconds} s on a scratch database`] : []),
    ],
    tables: pgbench && t ? [pgbenchTable(pgbench, t.accepted / t.seconds)] : [],
  };
}
