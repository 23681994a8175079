import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '@switchboard/protocol';
import { startStack, type Stack } from '@switchboard/testing';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../dist/cli/apps-webhook.js', import.meta.url));

/** Runs `apps:webhook` with `env` only (plus PATH); its code, stdout and stderr. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each run starts a Node process (seconds on a loaded machine): generous timeouts.
describe('apps:webhook CLI', { timeout: 180_000 }, () => {
  let stack: Stack;
  let app: CreatedApp;
  beforeAll(async () => {
    stack = await startStack({ nodes: 0, webhooks: true });
    app = await stack.createApp('cli-app');
  }, 60_000);
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('cli - through the operator API: add (secret printed once), list, delete; refusals exit 1 with the code', async () => {
    const api = { WEBHOOKS_URL: stack.webhooks!.url, OPERATOR_TOKEN: stack.operatorToken };
    const added = await cli(['--app', app.id, '--url', 'http://127.0.0.1:9/hook', '--events', 'message.created,message.status'], api);
    expect(added.code, added.stderr).toBe(0);
    const endpoint = JSON.parse(added.stdout);
    expect(endpoint).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['message.created', 'message.status'], disabled: false });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const listed = await cli(['--app', app.id, '--list'], api);
    expect(JSON.parse(listed.stdout).data.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
    expect(listed.stdout).not.toContain(endpoint.secret);

    const unknownApp = await cli(['--app', 'app_nothere', '--url', 'https://x.example.com', '--events', 'message.created'], api);
    expect(unknownApp.code).toBe(1);
    expect(unknownApp.stderr).toContain('404');

    const deleted = await cli(['--app', app.id, '--delete', endpoint.id], api);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: endpoint.id, deleted: true });
    expect((await cli(['--app', app.id, '--delete', endpoint.id], api)).code).toBe(1);
  });

  it('cli - on DATABASE_URL: https only unless WEBHOOKS_ALLOW_INSECURE; the running service sees the endpoint', async () => {
    const direct = { DATABASE_URL: stack.database.url };
    const refused = await cli(['--app', app.id, '--url', 'http://push.example.com/', '--events', 'message.created'], direct);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VALIDATION_FAILED');
    const added = await cli(['--app', app.id, '--url', 'https://push.example.com/', '--events', 'conversation.updated'], direct);
    expect(added.code, added.stderr).toBe(0);
    const { id } = JSON.parse(added.stdout);
    const listed = await stack.webhooksRest('GET', `/v1/apps/${app.id}/webhooks`);
    expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(id);
    const insecure = await cli(['--app', app.id, '--url', 'http://push.example.com/', '--events', 'message.created'], { ...direct, WEBHOOKS_ALLOW_INSECURE: 'true' });
    expect(insecure.code, insecure.stderr).toBe(0);
  });

  it('cli - usage errors exit 2 naming the option; --help exits 0', async () => {
    for (const args of [[], ['--app', app.id], ['--app', app.id, '--url', 'https://x.example.com'], ['--app', app.id, '--url', 'https://x.example.com', '--events', 'message.nope'], ['--app', app.id, '--list', '--delete', 'whk_x'], ['--bogus']]) {
      const result = await cli(args, { WEBHOOKS_URL: stack.webhooks!.url, OPERATOR_TOKEN: stack.operatorToken });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: npm run -s apps:webhook');
    }
    const unknownEvent = await cli(['--app', app.id, '--url', 'https://x.example.com', '--events', 'message.nope'], {});
    expect(unknownEvent.stderr).toContain('--events');
    const help = await cli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('apps:webhook');
  });
});
