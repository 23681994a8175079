/**
 * Reconnect storm: CONNECTIONS sockets connect, hold, and then all drop at the same moment and reconnect at once
 * (what a lost node or a network blip does to the survivors). Measures the second handshake under the storm.
 *
 *   k6 run -e BASE_URL=… -e OPERATOR_TOKEN=… -e CONNECTIONS=10000 k6/reconnect-storm.ts
 */
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { GATEWAY_URL, appForRun, clientAuth, envInt, type AppCredentials } from './lib/config.ts';
import { connectSocketIo } from './lib/socketio-client.ts';

const CONNECTIONS = envInt('CONNECTIONS', 10_000);
/** When every socket drops, in seconds after the start (all must be connected by then). */
const STORM_AT_S = envInt('STORM_AT_S', 90);
const HOLD_AFTER_S = envInt('HOLD_AFTER_S', 60);

const firstConnect = new Trend('socketio_connect_ms', true);
const reconnect = new Trend('socketio_reconnect_ms', true);
const failures = new Counter('socketio_connect_errors');

export const options = {
  scenarios: {
    storm: { executor: 'per-vu-iterations', vus: CONNECTIONS, iterations: 1, maxDuration: `${STORM_AT_S + HOLD_AFTER_S + 60}s` },
  },
  thresholds: {
    checks: ['rate>0.999'],
    socketio_connect_errors: ['count<1'],
    socketio_reconnect_ms: ['p(95)<2000', 'p(99)<5000'],
  },
};

export function setup(): AppCredentials {
  return appForRun();
}

export default function (app: AppCredentials): void {
  const auth = clientAuth(app, `k6-storm-${exec.vu.idInTest}`);
  const open = (onConnected: (ms: number) => void) => {
    const started = Date.now();
    let done = false;
    return connectSocketIo({
      baseUrl: GATEWAY_URL,
      nsp: '/client',
      auth,
      onEvent: (name) => {
        if (name !== 'connected' || done) return;
        done = true;
        onConnected(Date.now() - started);
      },
      onConnectError: (message) => {
        failures.add(1, { code: message });
        check(false, { connected: (ok) => ok });
      },
    });
  };
  const sinceStart = () => Date.now() - exec.scenario.startTime;
  const first = open((ms) => {
    firstConnect.add(ms);
    check(true, { connected: (ok) => ok });
  });
  // Everyone drops at the same wall-clock moment, then reconnects at once.
  setTimeout(() => {
    first.close();
    const second = open((ms) => {
      reconnect.add(ms);
      check(true, { reconnected: (ok) => ok });
    });
    setTimeout(() => second.close(), HOLD_AFTER_S * 1000);
  }, Math.max(0, STORM_AT_S * 1000 - sinceStart()));
}
