import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, sharedRedisUrl, startNatsServer, type ServerProcess } from '@switchboard/testing';
import { startGatewayStack } from '../../services/gateway/test/harness.js';

const dist = (service: string) => fileURLToPath(new URL(`../../services/${service}/dist/main.js`, import.meta.url));
const PASSWORD = 'p@ss:1234 w0rd'; // characters a URL must percent-encode, and digits after a colon
const TOKEN = 'nats-test-token-0123456789';

/** The whole flow over a NATS that needs credentials: REST write → outbox → JetStream → gateway fan-out → socket. */
async function deliversOver(nats: ServerProcess, natsUrl: string, secret: string) {
  await using stack = await startGatewayStack({ nats, natsUrl });
  const app = await stack.createApp('auth');
  const conversation = await stack.openConversation(app, 'device-1');
  const device = await stack.connected(stack.client(stack.nodes[0]!.url, app, 'device-1'));
  await device.waitFor('conversation:joined');
  const sent = await stack.rest(
    'POST',
    `/v1/conversations/${conversation.id}/messages`,
    { 'X-App-Id': app.id, 'X-Device-Id': 'device-1', 'X-Api-Key': app.api_key },
    { body: 'over an authenticated NATS', local_id: 'l-1' },
  );
  expect(sent.status).toBe(201);
  const [message] = await device.waitFor('message:new', 1, 10_000);
  expect(message.id).toBe(sent.body.id);
  for (const service of [stack.messages, ...stack.nodes]) expect(service.logs()).not.toContain(secret);
}

/** Runs a built service that should refuse to start; resolves with its exit code and output. */
function runToExit(script: string, env: Record<string, string>, timeoutMs = 20_000) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('e2e: NATS credentials (CONTRACT.md, second release: NATS_URL credentials)', () => {
  it('nats credentials - user and password in NATS_URL are used by the messages service and the gateway', async () => {
    await using nats = await startNatsServer({ auth: { user: 'alice', pass: PASSWORD } });
    await deliversOver(nats, `nats://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${nats.port}`, encodeURIComponent(PASSWORD));
  }, 60_000);

  it('nats credentials - a token in NATS_URL is used by the messages service and the gateway', async () => {
    await using nats = await startNatsServer({ auth: { token: TOKEN } });
    await deliversOver(nats, `nats://${TOKEN}@127.0.0.1:${nats.port}`, TOKEN);
  }, 60_000);

  it('nats credentials - refused credentials end both services with one line naming NATS, without the secret', async () => {
    await using nats = await startNatsServer({ auth: { user: 'alice', pass: PASSWORD } });
    const database = await createTestDatabase();
    try {
      const wrongUrl = `nats://alice:not-the-password@127.0.0.1:${nats.port}`;
      const messages = await runToExit(dist('messages'), {
        DATABASE_URL: database.url,
        NATS_URL: wrongUrl,
        MESSAGES_PORT: '0',
        MESSAGES_HOST: '127.0.0.1',
      });
      const gateway = await runToExit(dist('gateway'), {
        REDIS_URL: sharedRedisUrl(),
        NATS_URL: wrongUrl,
        MESSAGES_URL: 'http://127.0.0.1:9',
        GATEWAY_PORT: '0',
        GATEWAY_HOST: '127.0.0.1',
      });
      for (const [service, run] of [['messages', messages], ['gateway', gateway]] as const) {
        expect(run.code, run.output).toBe(1);
        expect(run.output).toContain(`${service}: invalid configuration`);
        expect(run.output).toContain(`NATS at nats://127.0.0.1:${nats.port} refused the credentials of NATS_URL: Authorization Violation`);
        expect(run.output).not.toContain('not-the-password');
      }
    } finally {
      await database.drop();
    }
  }, 60_000);
});
