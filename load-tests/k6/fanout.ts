/**
 * Fan-out to rooms: ROOMS conversations with ROOM_SIZE sockets each (tabs of one device, auto-joined to its latest
 * conversation), and a writer posting MESSAGE_RATE messages/s over REST spread across the rooms. Every socket
 * records `message_delivery_ms` = receive time − the send time embedded in the body (REST POST → `message:new`) and
 * `message_fanout_ms` = receive time − `created_at` (stored → delivered).
 *
 *   k6 run -e BASE_URL=… -e OPERATOR_TOKEN=… -e ROOMS=100 -e ROOM_SIZE=100 -e MESSAGE_RATE=300 k6/fanout.ts
 */
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { API_URL, GATEWAY_URL, appForRun, clientAuth, deviceHeaders, env, envInt, openConversations, type AppCredentials } from './lib/config.ts';
import { connectSocketIo } from './lib/socketio-client.ts';

const ROOMS = envInt('ROOMS', 100);
const ROOM_SIZE = envInt('ROOM_SIZE', 100);
const MESSAGE_RATE = envInt('MESSAGE_RATE', 300);
const DURATION = env('DURATION', '2m');
const WARMUP = env('WARMUP', '1m');

const delivery = new Trend('message_delivery_ms', true);
const fanoutLag = new Trend('message_fanout_ms', true);
const received = new Counter('messages_received');
const drops = new Counter('socketio_drops');

export const options = {
  setupTimeout: '5m',
  scenarios: {
    listeners: {
      executor: 'per-vu-iterations',
      exec: 'listener',
      vus: ROOMS * ROOM_SIZE,
      iterations: 1,
      maxDuration: '30m',
    },
    writer: {
      executor: 'constant-arrival-rate',
      exec: 'writer',
      startTime: WARMUP,
      rate: MESSAGE_RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.max(10, Math.ceil(MESSAGE_RATE / 10)),
      maxVUs: Math.max(50, MESSAGE_RATE),
    },
  },
  thresholds: {
    checks: ['rate>0.999'],
    message_delivery_ms: ['p(95)<100', 'p(99)<250'],
    message_fanout_ms: ['p(99)<50'],
    http_req_failed: ['rate<0.001'],
    socketio_drops: ['count<1'],
  },
};

interface Setup {
  readonly app: AppCredentials;
  readonly conversations: string[];
}

export function setup(): Setup {
  const app = appForRun();
  return { app, conversations: openConversations(app, 'k6-room', ROOMS) };
}

/** One tab of a room's device: auto-joined to the device's conversation, records each message's latency. */
export function listener({ app }: Setup): void {
  const room = (exec.vu.idInTest - 1) % ROOMS;
  let closing = false;
  const client = connectSocketIo({
    baseUrl: GATEWAY_URL,
    nsp: '/client',
    auth: clientAuth(app, `k6-room-${room}`),
    onEvent: (name, args) => {
      if (name !== 'message:new') return;
      const now = Date.now();
      const message = args[0] as { body: string; created_at: string };
      received.add(1);
      const sentAt = Number(message.body.split(' ')[0]);
      if (Number.isFinite(sentAt)) delivery.add(now - sentAt);
      fanoutLag.add(now - Date.parse(message.created_at));
    },
    onConnectError: (message) => {
      check(false, { 'listener connected': (ok) => ok });
      throw new Error(message);
    },
    onClose: () => {
      if (!closing) drops.add(1);
    },
  });
  const endMs = (parseSeconds(WARMUP) + parseSeconds(DURATION) + 10) * 1000;
  setTimeout(() => {
    closing = true;
    client.close();
  }, Math.max(1000, endMs - (Date.now() - exec.scenario.startTime)));
}

/** One message to a random room, its send time first in the body. */
export function writer({ app, conversations }: Setup): void {
  const room = Math.floor(Math.random() * conversations.length);
  const body = JSON.stringify({ body: `${Date.now()} k6 fan-out`, local_id: `k6-${exec.scenario.iterationInTest}-${exec.vu.idInTest}` });
  const res = http.post(`${API_URL}/v1/conversations/${conversations[room]}/messages`, body, {
    headers: deviceHeaders(app, `k6-room-${room}`),
    tags: { name: 'POST /v1/conversations/:id/messages' },
  });
  check(res, { 'message accepted (201)': (r) => r.status === 201 });
}

function parseSeconds(text: string): number {
  const match = /^(\d+)(s|m)$/.exec(text);
  if (!match) throw new Error(`durations look like 90s or 2m: ${text}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}
