/**
 * REST write throughput: MESSAGE_RATE messages/s (constant arrival rate) over CONVERSATIONS conversations. Fails
 * when requests fail, or when p95/p99 of the POST pass their bounds (i.e. the service cannot keep up).
 *
 *   k6 run -e API_URL=… -e OPERATOR_TOKEN=… -e MESSAGE_RATE=5000 k6/rest-write.ts
 */
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { API_URL, appForRun, deviceHeaders, env, envInt, openConversations, type AppCredentials } from './lib/config.ts';

const MESSAGE_RATE = envInt('MESSAGE_RATE', 5000);
const CONVERSATIONS = envInt('CONVERSATIONS', 1000);

export const options = {
  setupTimeout: '5m',
  scenarios: {
    writes: {
      executor: 'constant-arrival-rate',
      rate: MESSAGE_RATE,
      timeUnit: '1s',
      duration: env('DURATION', '2m'),
      preAllocatedVUs: Math.ceil(MESSAGE_RATE / 20),
      maxVUs: MESSAGE_RATE,
    },
  },
  thresholds: {
    checks: ['rate>0.999'],
    http_req_failed: ['rate<0.001'],
    'http_req_duration{name:POST /v1/conversations/:id/messages}': ['p(95)<100', 'p(99)<250'],
    // Not keeping up shows as dropped iterations of the arrival-rate executor.
    dropped_iterations: ['count<1'],
  },
};

interface Setup {
  readonly app: AppCredentials;
  readonly conversations: string[];
}

export function setup(): Setup {
  const app = appForRun();
  return { app, conversations: openConversations(app, 'k6-writer', CONVERSATIONS) };
}

export default function ({ app, conversations }: Setup): void {
  const i = exec.scenario.iterationInTest % conversations.length;
  const res = http.post(
    `${API_URL}/v1/conversations/${conversations[i]}/messages`,
    JSON.stringify({ body: 'k6 write throughput', local_id: `k6-${exec.scenario.iterationInTest}` }),
    { headers: deviceHeaders(app, `k6-writer-${i}`), tags: { name: 'POST /v1/conversations/:id/messages' } },
  );
  check(res, { 'message accepted (201)': (r) => r.status === 201 });
}
