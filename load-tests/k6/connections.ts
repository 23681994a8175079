/**
 * Ramp to and hold CONNECTIONS sockets per gateway node, each a device of its own (so presence and sessions are
 * exercised), with one agent socket watching `presence:change`. Fails when a handshake fails, a held connection
 * drops, or handshakes get slow.
 *
 *   k6 run -e BASE_URL=https://chat.example.com -e OPERATOR_TOKEN=… -e CONNECTIONS=10000 k6/connections.ts
 */
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { GATEWAY_URL, appForRun, clientAuth, env, envInt, type AppCredentials } from './lib/config.ts';
import { connectSocketIo } from './lib/socketio-client.ts';

const CONNECTIONS = envInt('CONNECTIONS', 10_000);
const RAMP = env('RAMP', '2m');
const HOLD = env('HOLD', '5m');
const RAMP_S = parseDuration(RAMP);
const HOLD_S = parseDuration(HOLD);

const connectTime = new Trend('socketio_connect_ms', true);
const connectErrors = new Counter('socketio_connect_errors');
const drops = new Counter('socketio_drops');
const presenceChanges = new Counter('presence_changes_seen');

export const options = {
  scenarios: {
    devices: {
      executor: 'ramping-vus',
      exec: 'device',
      startVUs: 0,
      stages: [
        { duration: RAMP, target: CONNECTIONS },
        { duration: HOLD, target: CONNECTIONS },
      ],
      gracefulRampDown: '30s',
      gracefulStop: '30s',
    },
    agent: { executor: 'shared-iterations', exec: 'agent', vus: 1, iterations: 1, maxDuration: `${RAMP_S + HOLD_S + 30}s` },
  },
  thresholds: {
    checks: ['rate>0.999'],
    socketio_connect_ms: ['p(95)<500', 'p(99)<1500'],
    socketio_connect_errors: ['count<1'],
    socketio_drops: ['count<1'],
  },
};

export function setup(): AppCredentials {
  return appForRun();
}

/** One device: connects, holds until the end of the hold stage, closes. A close it did not ask for is a drop. */
export function device(app: AppCredentials): void {
  const started = Date.now();
  let closing = false;
  let connected = false;
  const client = connectSocketIo({
    baseUrl: GATEWAY_URL,
    nsp: '/client',
    auth: clientAuth(app, `k6-dev-${exec.vu.idInTest}`),
    onEvent: (name) => {
      if (name !== 'connected' || connected) return;
      connected = true;
      connectTime.add(Date.now() - started);
      check(true, { 'connected received': (ok) => ok });
    },
    onConnectError: (message) => {
      connectErrors.add(1, { code: message });
      check(false, { 'connected received': (ok) => ok });
      closing = true;
      client.close();
    },
    onClose: () => {
      if (!closing) drops.add(1);
    },
  });
  // Hold until the scenario's planned end, so the whole population is open during the hold stage.
  const holdMs = Math.max(1_000, (RAMP_S + HOLD_S) * 1000 - (Date.now() - exec.scenario.startTime));
  setTimeout(() => {
    closing = true;
    client.close();
  }, holdMs);
}

/** One agent: counts `presence:change` while the devices come and go. */
export function agent(app: AppCredentials): void {
  if (!app.admin_token) return;
  const client = connectSocketIo({
    baseUrl: GATEWAY_URL,
    nsp: '/admin',
    auth: { app_id: app.id, admin_token: app.admin_token },
    onEvent: (name) => {
      if (name === 'presence:change') presenceChanges.add(1);
    },
  });
  setTimeout(() => client.close(), (RAMP_S + HOLD_S) * 1000);
}

function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`durations look like 90s, 5m, 1h: ${text}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
