import type { SocketSpec } from '../clients/worker-messages.js';
import { clientAuth, createFixtures } from '../fixtures/app-fixtures.js';
import { scrapeMetrics } from '../measure/process-usage.js';
import type { Figure } from '../measure/report.js';
import { readListenCounters } from '../measure/listen-overflows.js';
import { backWithin, counterDeltas, eventLoopLag, timeUntilBack } from '../measure/storm-recovery.js';
import { engineIoUrl } from '../protocol/sio-frames.js';
import { OPERATOR_TOKEN, type ServerKind, type ServerUnderTest } from '../stack/load-stack.js';
import type { RunContext } from './run-context.js';
import { startSdkFleet, type SdkFleet } from './storm-sdk-clients.js';
import { stormFigures, STORM_VARIANTS, type StormResult, type StormVariant } from './storm-report.js';
import { freeStablePort, sleep } from '@switchboard/testing';

/** Seconds after the drop at which the log and the JSON give the sockets back (the recovery curve). */
const CURVE_S = [1, 2, 5, 10, 20, 30, 60];
/** The gateway's own account of the handshakes (the baseline has none of these). */
const SERVER_COUNTERS = [
  'switchboard_gateway_auth_gate_total',
  'switchboard_gateway_handshake_refusals_total',
  'switchboard_gateway_limit_refusals_total',
  'switchboard_gateway_auth_call_seconds_sum',
  'switchboard_gateway_auth_call_seconds_count',
];
/** The messages service's own time for the handshakes' auth calls: with the gateway's, where a call's time goes. */
const MESSAGES_COUNTERS = ['http_request_duration_seconds_sum', 'http_request_duration_seconds_count'];
const AUTH_ROUTE = 'route="/internal/v1/auth/client"';

/**
 * `storm`: `--sockets` sockets (19,000) held on one server, of which `--sdk-clients` are real SDK clients
 * (`ChatClient`) and the rest the runner's raw sockets, all reconnecting with the SDK's policy (`ReconnectPolicy`
 * of `@switchboard/client`); then all dropped at once, for each of `--variants`: `cut` (every client's connection
 * cut, the server stays up) and `kill` (the server SIGKILLed and started again on the same port). Per storm: the
 * time until 99 % and 100 % are back, the reconnect handshakes' p99, the refused attempts by reason, the server's
 * event-loop delay p99 (`monitorEventLoopDelay`, read from its /metrics), and the SDK clients' sends queued while
 * disconnected, checked in Postgres.
 */
export async function runStorm(ctx: RunContext): Promise<{ figures: Figure[]; conditions: string[]; data: StormResult[] }> {
  const { flags, stack, fleet, log } = ctx;
  const total = flags.int('sockets', 19_000);
  const sdkCount = Math.min(total, flags.int('sdk-clients', 300));
  const sdkSends = flags.int('sdk-sends', 2);
  const tabs = Math.max(1, flags.int('tabs', 10));
  const concurrency = flags.int('concurrency', 25);
  const settleS = flags.int('settle', 12);
  const timeoutS = flags.int('storm-timeout', 120);
  const variants = flags.list('variants', STORM_VARIANTS) as StormVariant[];
  for (const v of variants) if (!STORM_VARIANTS.includes(v)) throw new Error(`--variants takes ${STORM_VARIANTS.join(',')} (got ${v})`);
  const rawCount = total - sdkCount;
  const rawDevices = Math.ceil(rawCount / tabs);

  log(`creating ${rawDevices} devices for ${rawCount} raw sockets and ${sdkCount} for the SDK clients, a conversation each`);
  const fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices: rawDevices + sdkCount, conversations: true, prefix: 'storm' });
  const sockets: SocketSpec[] = Array.from({ length: rawCount }, (_, i) => ({ nsp: '/client', auth: clientAuth(fixtures.app, fixtures.devices[i % rawDevices]!) }));
  const sdkDevices = fixtures.devices.slice(rawDevices);

  const results: StormResult[] = [];
  for (const kind of ctx.servers) {
    // A port below the ephemeral range: nobody else can be handed it while the server is down.
    const port = await freeStablePort();
    log(`${kind}: starting on port ${port}`);
    let server = await stack.startServer(kind, {}, { port });
    let sdk: SdkFleet | undefined;
    try {
      await sleep(3000);
      const opened = await fleet.open(engineIoUrl(server.process.url), sockets, { concurrencyPerWorker: concurrency, reconnect: true });
      sdk = await startSdkFleet({ serverPort: port, apiUrl: stack.messages.url, app: fixtures.app, devices: sdkDevices });
      await sdk.connect(60_000);
      log(`${kind}: ${opened.open} raw sockets and ${sdk.connected} SDK clients connected (errors: ${JSON.stringify(opened.connectErrors)})`);
      for (const variant of variants) {
        // Every socket back first (a storm that starts while the last one's stragglers still reconnect would count
        // them as its own), then longer than the SDK's stableAfterMs (10 s): every socket's backoff starts over.
        const everyone = await allConnected(ctx, sdk, total, timeoutS * 1000);
        if (everyone < total) log(`${kind}: only ${everyone} of ${total} sockets connected before the ${variant} storm`);
        await sleep(settleS * 1000);
        const result = await storm(ctx, { kind, variant, server, sdk, sdkSends, timeoutMs: timeoutS * 1000, restart: () => stack.startServer(kind, {}, { port, keyPrefix: server.keyPrefix }) });
        server = result.server;
        results.push(result.result);
        if (result.result.serverExited) break;
      }
    } finally {
      await sdk?.close();
      await fleet.closeSockets();
      await server.stop();
    }
  }
  return {
    figures: stormFigures(results),
    conditions: [
      `${total} sockets: ${rawCount} raw sockets over ${rawDevices} devices (${tabs} tabs each) from the client processes, and ${sdkCount} SDK clients (ChatClient, default options) in the runner's process through a TCP balancer; every one reconnects with the SDK's ReconnectPolicy (full jitter, 500 ms doubling to 30 s)`,
      `storms: ${variants.join(', ')} (cut: every connection cut at once by the clients and the balancer, the server stays up; kill: SIGKILL of the server, started again on its port with the same Redis key prefix); before each, every socket connected (up to --storm-timeout) and ${settleS} s quiet; each SDK client queues ${sdkSends} sends as soon as it loses its connection`,
      'back: a socket that got `connected` again (raw) or `connect` (SDK); times from the drop; reconnect handshake: TCP connect → `connected` of the attempts that succeeded (raw sockets); refused: failed reconnect attempts by reason',
      "event-loop delay: the server's nodejs_eventloop_lag_p99_seconds / _max_seconds (prom-client: perf_hooks.monitorEventLoopDelay, 10 ms resolution, reset at each scrape), scraped at the drop (cut) or not before (kill: the new process's whole life) and once all were back",
    ],
    data: results,
  };
}

/** Waits until `total` sockets are connected (raw and SDK), or `timeoutMs`; how many are. */
async function allConnected(ctx: RunContext, sdk: SdkFleet, total: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = (await ctx.fleet.snapshot()).open + sdk.connected;
    if (open >= total || Date.now() > deadline) return open;
    await sleep(500);
  }
}

async function storm(
  ctx: RunContext,
  run: {
    kind: ServerKind;
    variant: StormVariant;
    server: ServerUnderTest;
    sdk: SdkFleet;
    sdkSends: number;
    timeoutMs: number;
    restart: () => Promise<ServerUnderTest>;
  },
): Promise<{ server: ServerUnderTest; result: StormResult }> {
  const { fleet, log, usage } = ctx;
  const { kind, variant, sdk } = run;
  let server = run.server;
  const before = await fleet.snapshot();
  const rawBefore = before.open;
  const sdkBefore = sdk.connected;
  const dropped = rawBefore + sdkBefore;
  await fleet.stormMark();
  sdk.mark(run.sdkSends);
  const metricsUrl = () => `${server.process.url}/metrics`;
  // Resets the event-loop delay histogram (prom-client resets it at each scrape).
  const metricsBefore = variant === 'cut' ? await scrapeMetrics(metricsUrl()).catch(() => undefined) : undefined;
  const messagesMetricsUrl = `${ctx.stack.messages.url}/metrics`;
  const messagesBefore = await scrapeMetrics(messagesMetricsUrl).catch(() => undefined);
  const messagesCpuBefore = (await usage.read(ctx.stack.messages.pid)).cpuSeconds;
  const listenBefore = await readListenCounters();
  const clientCpuBefore = await ctx.clientCpuSeconds();
  const cpuBefore = variant === 'cut' ? (await usage.read(server.process.pid)).cpuSeconds : 0;

  log(`${kind}, ${variant}: dropping ${rawBefore} raw sockets and ${sdkBefore} SDK clients`);
  const droppedAt = Date.now();
  let restartMs: number | undefined;
  if (variant === 'cut') {
    sdk.cut();
    await fleet.cut();
  } else {
    server.process.signal('SIGKILL');
    await server.process.exited;
    server = await run.restart();
    restartMs = Date.now() - droppedAt;
    log(`${kind}, kill: started again and ready after ${restartMs} ms`);
  }

  const deadline = droppedAt + run.timeoutMs;
  let allBackAt: number | undefined;
  while (Date.now() < deadline) {
    await sleep(500);
    const open = (await fleet.snapshot()).open + sdk.connected;
    if (open >= dropped) {
      allBackAt = Date.now();
      break;
    }
  }
  const endedAt = Date.now();
  const metricsAfter = await scrapeMetrics(metricsUrl()).catch(() => undefined);
  const lag = eventLoopLag(metricsAfter);
  const listenAfter = await readListenCounters();
  const clientCpuSeconds = (await ctx.clientCpuSeconds()) - clientCpuBefore;
  const serverCounters = counterDeltas(metricsBefore, metricsAfter, SERVER_COUNTERS);
  const messagesCounters = Object.fromEntries(
    Object.entries(counterDeltas(messagesBefore, await scrapeMetrics(messagesMetricsUrl).catch(() => undefined), MESSAGES_COUNTERS)).filter(([key]) => key.includes(AUTH_ROUTE)),
  );
  const messagesCpuSeconds = (await usage.read(ctx.stack.messages.pid)).cpuSeconds - messagesCpuBefore;
  // A server that died during the storm (seen: the baseline after a kill) leaves no /proc entry: say so, keep the rest.
  const cpuSeconds = server.process.running ? (await usage.read(server.process.pid).catch(() => undefined))?.cpuSeconds : undefined;
  const exited = !server.process.running;
  if (exited) log(`${kind}, ${variant}: the server exited during the storm; its last output:\n${server.process.logs().slice(-3000)}`);
  const raw = await fleet.stormStats();
  const backAt = [...raw.backAt, ...sdk.backAt()];
  const curve = backWithin(droppedAt, backAt, CURVE_S.map((s) => s * 1000));
  log(`${kind}, ${variant}: back ${CURVE_S.map((s, i) => `${curve[i]} by ${s} s`).join(', ')}; all back: ${allBackAt ? `${allBackAt - droppedAt} ms` : 'no'}; loop delay p99 ${lag.p99Ms} ms; refused ${JSON.stringify(raw.refused)}, SDK ${JSON.stringify(sdk.refused())}`);
  if (Object.keys(serverCounters).length > 0) log(`${kind}, ${variant}: server counters ${JSON.stringify(serverCounters)}`);
  log(`${kind}, ${variant}: messages service: ${messagesCpuSeconds.toFixed(1)} CPU-s in the window; its auth route ${JSON.stringify(messagesCounters)}`);
  const sends = await sdk.checkSends(ctx.stack.database.url, 60_000);
  log(`${kind}, ${variant}: SDK sends ${JSON.stringify(sends)}`);
  return {
    server,
    result: {
      kind,
      variant,
      dropped,
      back: backAt.length,
      back99Ms: timeUntilBack(droppedAt, backAt, dropped, 0.99),
      back100Ms: timeUntilBack(droppedAt, backAt, dropped, 1),
      curve: Object.fromEntries(CURVE_S.map((s, i) => [s, curve[i]!])),
      restartMs,
      handshakeP50Ms: raw.handshake.percentile(50),
      handshakeP99Ms: raw.handshake.percentile(99),
      refused: raw.refused,
      sdkRefused: sdk.refused(),
      loopLagP99Ms: lag.p99Ms,
      loopLagMaxMs: lag.maxMs,
      serverCpuSeconds: cpuSeconds === undefined ? undefined : cpuSeconds - cpuBefore,
      serverExited: exited,
      clientCpuSeconds,
      listenOverflows: listenBefore && listenAfter ? listenAfter.overflows - listenBefore.overflows : undefined,
      serverCounters,
      messagesCounters,
      messagesCpuSeconds,
      windowMs: endedAt - droppedAt,
      sends,
    },
  };
}
