import { appendFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { afterAll, beforeAll, expect } from 'vitest';
import { sleep } from '@switchboard/testing';
import { startFaultStack, type FaultStack, type FaultStackOptions } from './fault-stack.js';
import { startFleet, type Fleet, type FleetOptions } from './fleet.js';

/** The bar: every client caught up within this long after the faulty part is back (or after the kill). */
export const CATCH_UP_BAR_MS = 5000;
/**
 * The timing bars of issue 18 (catch-up within 5 s, no presence flap during a freeze) are figures, not guarantees:
 * asserted with `FAULTS_BARS=strict`, otherwise each miss is printed as a `[faults] bar missed:` line (and the
 * figures are in docs/reliability.md). The guarantees (nothing lost, duplicated or out of order; every send stored)
 * are always asserted. Timings depend on the machine's load, which a CI run does not control.
 */
export function checkBar(met: boolean, what: string): void {
  if (process.env.FAULTS_BARS === 'strict') expect(met, what).toBe(true);
  else if (!met) process.stdout.write(`[faults] bar missed: ${what}\n`);
}

/** The catch-up bar for a scenario's figures. */
export function checkCaughtUp(figures: { readonly caughtUpMs: number }): void {
  checkBar(figures.caughtUpMs <= CATCH_UP_BAR_MS, `caught up ${figures.caughtUpMs} ms after the reference (bar ${CATCH_UP_BAR_MS} ms)`);
}

/** A send is late when it took longer than this from `send()` to stored and delivered to every client that must get it. */
export const LATE_MS = 1000;

export interface FaultTiming {
  /** When the fault began (`Date.now()`). */
  readonly faultAt: number;
  /** The reference moment of the bar: when the faulty part was back, or the fault itself for a part that stays down. */
  readonly referenceAt: number;
  /** What the reference moment is, for the report. */
  readonly reference: string;
  /** Other figures the scenario measured. */
  readonly extra?: Record<string, number | string>;
}

export interface ScenarioFigures {
  readonly scenario: string;
  /** When the fault began (`Date.now()`). */
  readonly faultAt: number;
  readonly sends: number;
  readonly sendsBefore: number;
  readonly failedSends: number;
  readonly inFlightAtFault: number;
  readonly reference: string;
  /** From the reference moment to the last send started before it stored and delivered everywhere. */
  readonly backlogMs: number;
  readonly lastToCatchUp: string;
  /** From the reference moment to the last late send done (see `LATE_MS`). */
  readonly lastLateMs: number;
  readonly lateSends: number;
  readonly slowestSendMs: number;
  /** The bar's figure: the larger of `backlogMs` and `lastLateMs`. */
  readonly caughtUpMs: number;
  /** p99 of send → stored and delivered everywhere, for the sends done before the fault: how loaded the machine was. */
  readonly steadyP99Ms: number;
  /** Connections the clients lost during the run. */
  readonly clientDrops: number;
  readonly violations: readonly string[];
  readonly loadavgBefore: string;
  readonly loadavgAfter: string;
  readonly extra: Record<string, number | string>;
}

/**
 * One fault scenario: the fleet sends for `warmMs`, `fault` breaks something and returns its timing, the fleet
 * keeps sending for `afterMs`, stops, and everything settles; then the guarantees are checked against Postgres and
 * the catch-up time is measured: the later of the backlog at the reference moment drained, and the last late send done. The figures are printed (and appended to `$FAULTS_RESULTS` when set).
 */
export async function runScenario(
  name: string,
  faults: FaultStack,
  fleet: Fleet,
  fault: () => Promise<FaultTiming>,
  options: { warmMs?: number; afterMs?: number; settleMs?: number } = {},
): Promise<ScenarioFigures> {
  const loadavgBefore = loadavg().map((n) => n.toFixed(2)).join(' ');
  fleet.startSending();
  await sleep(options.warmMs ?? 3000);
  const inFlightAtFault = fleet.inFlight;
  const timing = await fault();
  await sleep(options.afterMs ?? 5000);
  fleet.stopSending();
  await fleet.settle(options.settleMs ?? 60_000);
  const rows = await faults.storedRows(fleet.conversationIds);
  const { ledger } = fleet;
  const catchUp = ledger.catchUp(timing.referenceAt);
  const late = ledger.lateSends(LATE_MS);
  const figures: ScenarioFigures = {
    scenario: name,
    faultAt: timing.faultAt,
    sends: ledger.sends.size,
    sendsBefore: catchUp.before,
    failedSends: ledger.failed.length,
    inFlightAtFault,
    reference: timing.reference,
    backlogMs: Math.max(0, catchUp.caughtUpMs),
    lastToCatchUp: catchUp.last ? catchUp.last.what : '-',
    lastLateMs: late.count ? Math.max(0, late.lastDoneAt - timing.referenceAt) : 0,
    lateSends: late.count,
    slowestSendMs: late.slowestMs,
    caughtUpMs: Math.max(0, catchUp.caughtUpMs, late.count ? late.lastDoneAt - timing.referenceAt : 0),
    steadyP99Ms: ledger.steadyP99(timing.faultAt - LATE_MS),
    clientDrops: fleet.drops,
    violations: ledger.violations(rows),
    loadavgBefore,
    loadavgAfter: loadavg().map((n) => n.toFixed(2)).join(' '),
    extra: { faultToReferenceMs: timing.referenceAt - timing.faultAt, ...timing.extra },
  };
  const line = JSON.stringify({ at: new Date().toISOString(), ...figures, violations: figures.violations.slice(0, 20) });
  process.stdout.write(`[faults] ${line}\n`);
  process.stdout.write(`[faults] timeline (ms from the reference): ${JSON.stringify(timelineOf(fleet, timing))}\n`);
  if (process.env.FAULTS_RESULTS) await appendFile(process.env.FAULTS_RESULTS, `${line}\n`);
  return figures;
}

/**
 * Registers the stack and the fleet of a scenario file with vitest's `beforeAll`/`afterAll`; the returned getters
 * are valid inside its tests.
 */
export function useFaultStack(options: FaultStackOptions = {}, fleetOptions: FleetOptions = {}): { faults: () => FaultStack; fleet: () => Fleet } {
  let faults: FaultStack | undefined;
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    faults = await startFaultStack(options);
    fleet = await startFleet(faults, fleetOptions);
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
    await faults?.[Symbol.asyncDispose]();
  });
  return { faults: () => faults!, fleet: () => fleet! };
}

/**
 * Where the catch-up time went: for each kind of connection event after the fault, how many, and the first and
 * last relative to the reference moment (with the largest delay a `reconnecting` or `server:shutdown` gave); and
 * when the late sends were done (p50, p90, last).
 */
function timelineOf(fleet: Fleet, timing: FaultTiming): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rel = (at: number) => at - timing.referenceAt;
  for (const kind of ['server:shutdown', 'disconnect', 'reconnecting', 'connect'] as const) {
    const events = fleet.timeline.filter((e) => e.event === kind && e.at >= timing.faultAt);
    if (events.length === 0) continue;
    const delays = events.map((e) => e.delayMs ?? 0);
    out[kind] = { n: events.length, first: rel(events[0]!.at), last: rel(events.at(-1)!.at), ...(kind === 'reconnecting' || kind === 'server:shutdown' ? { maxDelay: Math.max(...delays) } : {}) };
  }
  const done = fleet.ledger.lateSendDoneTimes(LATE_MS).map(rel).sort((a, b) => a - b);
  if (done.length > 0) out.lateDone = { n: done.length, p50: done[Math.floor(done.length / 2)], p90: done[Math.floor(done.length * 0.9)], last: done.at(-1) };
  return out;
}
