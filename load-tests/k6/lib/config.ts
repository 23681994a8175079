/**
 * Environment of the k6 scripts (`k6 run -e NAME=value` or the environment). Every script reads only what it needs.
 */
import http from 'k6/http';

export const env = (name: string, fallback?: string): string => {
  const value = __ENV[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`set ${name} (k6 run -e ${name}=…)`);
};
export const envInt = (name: string, fallback: number): number => {
  const value = Number(env(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
};

/** Where the gateway (Socket.IO) and the messages service (REST) are: one ingress URL, or one each. */
export const GATEWAY_URL = env('GATEWAY_URL', env('BASE_URL', 'http://127.0.0.1:3000'));
export const API_URL = env('API_URL', env('BASE_URL', 'http://127.0.0.1:3001'));

export interface AppCredentials {
  readonly id: string;
  readonly api_key: string;
  readonly admin_token: string;
}

/**
 * The app under test: `APP_ID` / `API_KEY` / `ADMIN_TOKEN` when given (production has no operator API), else one
 * created through the operator API with `OPERATOR_TOKEN`. Call it from `setup()` so every VU shares one app.
 */
export function appForRun(): AppCredentials {
  const id = __ENV.APP_ID;
  if (id) return { id, api_key: env('API_KEY'), admin_token: env('ADMIN_TOKEN', '') };
  const res = http.post(`${API_URL}/v1/apps`, JSON.stringify({ name: `k6-${Date.now()}` }), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${env('OPERATOR_TOKEN')}` },
  });
  if (res.status !== 201) throw new Error(`creating the app failed: ${res.status} ${String(res.body)}`);
  return res.json() as unknown as AppCredentials;
}

export const deviceHeaders = (app: AppCredentials, deviceId: string) => ({
  'content-type': 'application/json',
  'x-app-id': app.id,
  'x-device-id': deviceId,
  'x-api-key': app.api_key,
});

/** Opens (or reopens) a conversation for the device; returns its id. */
export function openConversation(app: AppCredentials, deviceId: string): string {
  const res = http.post(`${API_URL}/v1/conversations`, '{}', { headers: deviceHeaders(app, deviceId), tags: { name: 'POST /v1/conversations' } });
  if (res.status !== 201) throw new Error(`opening a conversation failed: ${res.status} ${String(res.body)}`);
  return (res.json() as { id: string }).id;
}

export const clientAuth = (app: AppCredentials, deviceId: string) => ({ app_id: app.id, device_id: deviceId, api_key: app.api_key });

/** Opens `count` conversations, one per device `${prefix}-${i}`, for a scenario's setup. */
export function openConversations(app: AppCredentials, prefix: string, count: number): string[] {
  const conversations: string[] = [];
  for (let i = 0; i < count; i++) conversations.push(openConversation(app, `${prefix}-${i}`));
  return conversations;
}
