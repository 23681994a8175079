import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNatsOperatorSetup, createTestDatabase, sharedRedisUrl, sleep, startNatsServer, startStack, type ServerProcess } from '@switchboard/testing';

const dist = (service: string) => fileURLToPath(new URL(`../../services/${service}/dist/main.js`, import.meta.url));
const PASSWORD = 'p@ss:1234 w0rd'; // characters a URL must percent-encode, and digits after a colon
const TOKEN = 'nats-test-token-0123456789';

/** The whole flow over a NATS that needs credentials: REST write → outbox → JetStream → gateway fan-out → socket. */
async function deliversOver(nats: ServerProcess, natsUrl: string, secret: string, env: Record<string, string> = {}) {
  await using stack = await startStack({ nats, natsUrl, messagesEnv: env, gatewayEnv: env });
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

/** Both services, started with credentials NATS refuses, exit 1 with the one line `<service>: <expected>` and no `secret`. */
async function expectRefused(natsUrl: string, env: Record<string, string>, expected: string, secret: string) {
  const database = await createTestDatabase();
  try {
    const messages = await runToExit(dist('messages'), {
      DATABASE_URL: database.url,
      NATS_URL: natsUrl,
      MESSAGES_PORT: '0',
      MESSAGES_HOST: '127.0.0.1',
      ...env,
    });
    const gateway = await runToExit(dist('gateway'), {
      REDIS_URL: sharedRedisUrl(),
      NATS_URL: natsUrl,
      MESSAGES_URL: 'http://127.0.0.1:9',
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      ...env,
    });
    for (const [service, run] of [['messages', messages], ['gateway', gateway]] as const) {
      expect(run.code, run.output).toBe(1);
      expect(run.output.split('\n')).toContain(`${service}: ${expected}`);
      expect(run.output).not.toContain(secret);
    }
  } finally {
    await database.drop();
  }
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
    await expectRefused(`nats://alice:not-the-password@127.0.0.1:${nats.port}`, {}, `NATS at nats://127.0.0.1:${nats.port} refused the credentials of NATS_URL: Authorization Violation`, 'not-the-password');
  }, 60_000);

  it('nats credentials - credentials revoked at run time end both services with one line (no silent outage)', async () => {
    const configFile = path.join(tmpdir(), `sb-nats-auth-${process.pid}-${Date.now()}.conf`);
    const authorize = (password: string) => writeFile(configFile, `authorization { user: alice, password: "${password}" }\n`);
    await authorize('first-password');
    try {
      await using nats = await startNatsServer({ configFile });
      await using stack = await startStack({ nats, natsUrl: `nats://alice:first-password@127.0.0.1:${nats.port}` });
      // The operator rotates the password on the server and reloads it: our connections are closed and refused.
      await authorize('second-password');
      process.kill(nats.pid!, 'SIGHUP');
      for (const [service, process_] of [['messages', stack.messages], ['gateway', stack.nodes[0]!]] as const) {
        expect(await Promise.race([process_.exited, sleep(20_000).then(() => 'still running')]), process_.logs()).toBe(1);
        expect(process_.logs().split('\n')).toContain(
          `${service}: NATS at nats://127.0.0.1:${nats.port} refused the credentials of NATS_URL: Authorization Violation`,
        );
        expect(process_.logs()).not.toContain('first-password');
      }
    } finally {
      await rm(configFile, { force: true });
    }
  }, 60_000);

  it('nats credentials - a creds file in NATS_CREDS (user JWT and seed) is used by the messages service and the gateway', async () => {
    await using operator = await createNatsOperatorSetup();
    await using nats = await startNatsServer({ configFile: operator.configFile });
    const seed = /SU[A-Z2-7]{56}/.exec(await readFile(operator.credsFile, 'utf8'))![0];
    await deliversOver(nats, nats.url, seed, { NATS_CREDS: operator.credsFile });
  }, 60_000);

  it('nats credentials - a creds file the server refuses ends both services with one line naming it', async () => {
    await using operator = await createNatsOperatorSetup();
    await using nats = await startNatsServer({ configFile: operator.configFile });
    const seed = /SU[A-Z2-7]{56}/.exec(await readFile(operator.unknownCredsFile, 'utf8'))![0];
    await expectRefused(
      nats.url,
      { NATS_CREDS: operator.unknownCredsFile },
      `NATS at nats://127.0.0.1:${nats.port} refused the credentials of NATS_CREDS (${operator.unknownCredsFile}): Authorization Violation`,
      seed,
    );
  }, 60_000);
});
