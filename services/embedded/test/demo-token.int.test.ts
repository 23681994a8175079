import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { io } from 'socket.io-client';
import { SOCKET_PATH } from '@switchboard/protocol';
import { freePort, startServiceProcess, waitFor, type ServiceProcess } from '@switchboard/testing';
import { readDemoAppFile, type DemoAppFile } from '../src/demo-identity.js';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tokenScript = fileURLToPath(new URL('../dist/demo-token.js', import.meta.url));
const run = promisify(execFile);

let dataDir: string;
let embedded: ServiceProcess;
let demo: DemoAppFile;
const start = async () =>
  startServiceProcess({
    script,
    portVariable: 'GATEWAY_PORT',
    env: { DATA_DIR: dataDir, MESSAGES_PORT: String(await freePort()), WEBHOOKS_PORT: '0', LOG_LEVEL: 'warn', DRAIN_WINDOW_MS: '500' },
    startTimeoutMs: 60_000,
  });

/** `npm run -s demo:token -- …` on the built script: its exit code, stdout and stderr. */
async function demoToken(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [tokenScript, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
const secretOf = (file: DemoAppFile) => new TextEncoder().encode(file.identity_key!.secret);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'sb-demo-token-'));
  embedded = await start();
  await waitFor(() => embedded.logs().includes('Switchboard is running.'), { message: 'welcome printed' });
  demo = (await readDemoAppFile(dataDir))!;
}, 90_000);
afterAll(async () => {
  await embedded?.[Symbol.asyncDispose]();
  await rm(dataDir, { recursive: true, force: true });
});

describe('embedded: the demo identity key and demo:token', () => {
  it('demo token - the first start creates an HS256 identity key kept with the demo credentials (0600) and says how to mint a token', async () => {
    expect(demo.identity_key).toMatchObject({ alg: 'HS256', kid: expect.stringMatching(/^key_/) });
    expect(demo.identity_key!.secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(path.join(dataDir, 'demo-app.json'))).mode & 0o777).toBe(0o600);
    expect(embedded.logs()).toContain('npm run -s demo:token -- --user alice');
    expect(embedded.logs()).toContain(demo.identity_key!.kid);
    // The secret is in the file only, never printed.
    expect(embedded.logs()).not.toContain(demo.identity_key!.secret);
  });

  it('demo token - prints a token that verifies with the stored key: kid, aud = the demo app, sub, name, iat, exp = iat + ttl', async () => {
    const { code, stdout } = await demoToken(['--user', 'alice', '--name', 'Alice', '--ttl', '600']);
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(stdout).toBe(`${token}\n`);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid: demo.identity_key!.kid, typ: 'JWT' });
    const { payload } = await jwtVerify(token, secretOf(demo), { audience: demo.id, algorithms: ['HS256'] });
    expect(payload).toMatchObject({ sub: 'alice', name: 'Alice', aud: demo.id });
    expect(payload.role).toBeUndefined();
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);

    const agent = await demoToken(['--user', 'agent-7', '--agent']);
    const { payload: agentClaims } = await jwtVerify(agent.stdout.trim(), secretOf(demo), { audience: demo.id });
    expect(agentClaims).toMatchObject({ sub: 'agent-7', role: 'agent' });
    expect(agentClaims.exp! - agentClaims.iat!).toBe(3600);
  });

  it('demo token - bad arguments exit 2 with the usage, and nothing on stdout', async () => {
    for (const args of [[], ['--user', 'bad user'], ['--user', 'alice', '--ttl', '86401'], ['--user', 'alice', '--ttl', '0'], ['--user', 'alice', '--nope']]) {
      const result = await demoToken(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('usage: npm run -s demo:token');
    }
  });

  it('demo token - a socket.io client with a user token connects to the running instance as that user; an agent token opens /admin', async () => {
    const connect = (namespace: string, auth: object) => {
      const socket = io(`${embedded.url}${namespace}`, { path: SOCKET_PATH, transports: ['websocket'], forceNew: true, reconnection: false, auth });
      opened.push(socket);
      return new Promise<typeof socket>((resolve, reject) => {
        socket.on('connect', () => resolve(socket));
        socket.on('connect_error', (error: Error & { data?: unknown }) => reject(new Error(`${error.message} ${JSON.stringify(error.data)}`)));
      });
    };
    const opened: ReturnType<typeof io>[] = [];
    try {
      const userToken = (await demoToken(['--user', 'alice'])).stdout.trim();
      await connect('/client', { app_id: demo.id, device_id: 'demo-token-device', api_key: demo.api_key, user_token: userToken });
      const agentToken = (await demoToken(['--user', 'agent-7', '--name', 'Agent Seven', '--agent'])).stdout.trim();
      const agent = await connect('/admin', { app_id: demo.id, agent_token: agentToken });
      const { sessions } = (await agent.emitWithAck('sessions:list', { app_id: demo.id })) as { sessions: { device_id: string; user_id: string | null }[] };
      expect(sessions).toContainEqual(expect.objectContaining({ device_id: 'demo-token-device', user_id: 'alice' }));
      // A token signed with another secret is refused, never taken for an anonymous device.
      const forged = userToken.slice(0, userToken.lastIndexOf('.') + 1) + 'A'.repeat(43);
      await expect(connect('/client', { app_id: demo.id, device_id: 'demo-token-device', api_key: demo.api_key, user_token: forged })).rejects.toThrow(/INVALID_CREDENTIALS/);
    } finally {
      for (const socket of opened) socket.close();
    }
  });

  it('demo token - a restart keeps the key, and tokens minted before it still verify', async () => {
    const before = (await demoToken(['--user', 'alice'])).stdout.trim();
    embedded.signal('SIGTERM');
    expect(await embedded.exited).toBe(0);
    embedded = await start();
    const after = (await readDemoAppFile(dataDir))!;
    expect(after.identity_key).toEqual(demo.identity_key);
    expect(after.id).toBe(demo.id);
    await expect(jwtVerify(before, secretOf(after), { audience: after.id })).resolves.toBeDefined();
  }, 90_000);
});
