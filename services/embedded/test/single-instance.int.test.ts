import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { freePort, startServiceProcess, waitFor, type ServiceProcess } from '@switchboard/testing';

const script = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs `npm start`'s process to its end (it is expected to refuse to start) and returns its code and output. */
async function runRefused(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    // A second instance that starts (the defect) never exits: fail with what it printed instead of hanging.
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000))]);
    if (code === 'running') throw new Error(`the second process is still running, it should have refused to start:\n${output}`);
    return { code, output };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Two `npm start` on one data folder lost one's writes: the second must refuse, and the first keep working. */
describe('embedded: one process per data folder and port', () => {
  let dataDir: string;
  let otherDataDir: string;
  let first: ServiceProcess;
  let messagesPort: number;
  let app: CreatedApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sb-lock-'));
    otherDataDir = await mkdtemp(path.join(tmpdir(), 'sb-lock-other-'));
    messagesPort = await freePort();
    first = await startServiceProcess({
      script,
      portVariable: 'GATEWAY_PORT',
      env: { DATA_DIR: dataDir, MESSAGES_PORT: String(messagesPort), WEBHOOKS_PORT: '0', LOG_LEVEL: 'warn', DRAIN_WINDOW_MS: '500' },
      startTimeoutMs: 60_000,
    });
    await waitFor(() => first.logs().includes('Switchboard is running.'), { message: 'welcome printed' });
    // stdout is a pipe here, not a terminal: log lines are JSON (LOG_FORMAT's default outside a terminal).
    expect(first.logs().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'warn', service: 'switchboard', component: 'messages' }),
    );
    app = JSON.parse(await readFile(path.join(dataDir, 'demo-app.json'), 'utf8')) as CreatedApp;
  }, 90_000);
  afterAll(async () => {
    await first?.[Symbol.asyncDispose]();
    await rm(dataDir, { recursive: true, force: true });
    await rm(otherDataDir, { recursive: true, force: true });
  });

  const device = { 'x-app-id': '', 'x-device-id': 'lock-test-device', 'x-api-key': '', 'content-type': 'application/json' };
  const openConversation = async () => {
    const response = await fetch(`http://127.0.0.1:${messagesPort}/v1/conversations`, {
      method: 'POST',
      headers: { ...device, 'x-app-id': app.id, 'x-api-key': app.api_key },
      body: '{}',
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };

  it('embedded - a second process on the same data folder exits non-zero naming the holder pid and the folder; the first keeps working', async () => {
    const second = await runRefused({ DATA_DIR: dataDir, GATEWAY_PORT: String(await freePort()), MESSAGES_PORT: String(await freePort()) });
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`pid ${first.pid}`);
    expect(second.output).toContain(path.resolve(dataDir));
    expect(second.output).not.toContain('Switchboard is running.');

    expect(first.running).toBe(true);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const conversation = await openConversation();
    const listed = await fetch(`http://127.0.0.1:${messagesPort}/v1/conversations`, { headers: { ...device, 'x-app-id': app.id, 'x-api-key': app.api_key } });
    expect(((await listed.json()) as { data: { id: string }[] }).data.map((c) => c.id)).toContain(conversation.id);
  }, 60_000);

  it('embedded - a port already in use is refused before the data is opened, naming the port and its variable', async () => {
    const gateway = await runRefused({ DATA_DIR: otherDataDir, GATEWAY_PORT: String(first.port), MESSAGES_PORT: String(await freePort()) });
    expect(gateway.code).not.toBe(0);
    expect(gateway.output).toContain(`port ${first.port} (GATEWAY_PORT)`);

    const messages = await runRefused({ DATA_DIR: otherDataDir, GATEWAY_PORT: String(await freePort()), MESSAGES_PORT: String(messagesPort) });
    expect(messages.code).not.toBe(0);
    expect(messages.output).toContain(`port ${messagesPort} (MESSAGES_PORT)`);
    // Refused before PGlite was created in the other folder.
    await expect(readFile(path.join(otherDataDir, 'pglite', 'PG_VERSION'), 'utf8')).rejects.toThrow();
    expect(first.running).toBe(true);
  }, 60_000);

  it('embedded - a lock left by a killed process is taken over on the next start (here with LOG_FORMAT=pretty lines)', async () => {
    first.signal('SIGKILL');
    await first.exited;
    await expect(readFile(path.join(dataDir, 'switchboard.lock'), 'utf8')).resolves.toContain(String(first.pid));
    first = await startServiceProcess({
      script,
      portVariable: 'GATEWAY_PORT',
      env: { DATA_DIR: dataDir, MESSAGES_PORT: String(messagesPort), WEBHOOKS_PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'pretty', DRAIN_WINDOW_MS: '500' },
      startTimeoutMs: 60_000,
    });
    expect(await readFile(path.join(dataDir, 'switchboard.lock'), 'utf8')).toBe(`${first.pid}\n`);
    // LOG_FORMAT=pretty: readable lines, even on a pipe.
    expect(first.logs()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway: gateway listening \{/m);
    first.signal('SIGTERM');
    expect(await first.exited).toBe(0);
    await expect(readFile(path.join(dataDir, 'switchboard.lock'), 'utf8')).rejects.toThrow();
  }, 90_000);
});

describe('embedded: --help', () => {
  it('embedded - npm start -- --help prints the usage and exits 0 without opening a data folder', async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'sb-help-')), 'data');
    try {
      const { code, output } = await runRefused({ DATA_DIR: dataDir, GATEWAY_PORT: '1', MESSAGES_PORT: '1' }, ['--help']);
      expect(code).toBe(0);
      expect(output).toMatch(/^usage: npm start/);
      expect(output).toContain('DATA_DIR');
      await expect(readFile(path.join(dataDir, 'switchboard.lock'), 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
