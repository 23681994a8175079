import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import {
  EVENTS_STREAM,
  INTERNAL_PATHS,
  natsNames,
  appPath,
  REST_PATHS,
  type AppCredentialsRevokedEvent,
  type CreatedApp,
  type RotatedCredential,
} from '@switchboard/protocol';
import { sleep, startNatsServer, startStack, waitFor } from '@switchboard/testing';
import { createJetStreamPublisher } from '../src/outbox/jetstream-publisher.js';
import { agentHeaders, deviceHeaders, OPERATOR_TOKEN, request, startMessagesHarness, testLogger, type MessagesHarness } from './harness.js';

let h: MessagesHarness;

beforeAll(async () => {
  h = await startMessagesHarness();
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

type Which = 'api_key' | 'admin_token';

const rotatePath = (appId: string) => appPath(REST_PATHS.rotateCredentials, appId);
const operator = { Authorization: `Bearer ${OPERATOR_TOKEN}` };
const rotate = (appId: string, body: unknown, headers: Record<string, string> = operator, url = h.url) =>
  request<RotatedCredential & { error?: { code: string } }>(url, 'POST', rotatePath(appId), { headers, body });

/** The credential of that kind as a caller's headers (a device for an api key, an agent for an admin token). */
const headersWith = (app: CreatedApp, which: Which, secret: string) =>
  which === 'api_key' ? deviceHeaders({ ...app, api_key: secret }, 'rotation-device') : agentHeaders({ ...app, admin_token: secret });
/** The status of an authenticated read with that credential: 200 while it works, 401 once it does not. */
const statusWith = async (app: CreatedApp, which: Which, secret: string, url = h.url) =>
  (await request(url, 'GET', '/v1/conversations', { headers: headersWith(app, which, secret) })).status;

const fingerprint = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 16);

interface StreamEvent {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly data: any;
}

/** Every event of an `EVENTS` stream, read with an ordered JetStream consumer. */
async function readEvents(natsUrl: string, stream: string = EVENTS_STREAM.name): Promise<StreamEvent[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const { state } = await (await jetstreamManager(nc)).streams.info(stream);
    if (state.messages === 0) return [];
    const consumer = await jetstream(nc).consumers.get(stream);
    const events: StreamEvent[] = [];
    const batch = await consumer.fetch({ max_messages: state.messages, expires: 2000 });
    for await (const m of batch) {
      events.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), data: m.json() });
      if (events.length >= state.messages) break;
    }
    return events;
  } finally {
    await nc.close();
  }
}

/** The app's revocations on the stream, once there are `count` of them. */
async function revocationsOf(appId: string, count: number, natsUrl = h.nats.url, stream?: string): Promise<StreamEvent[]> {
  return waitFor(
    async () => {
      const events = (await readEvents(natsUrl, stream)).filter((e) => e.data.app_id === appId);
      return events.length >= count ? events : undefined;
    },
    { message: `${count} revocation(s) of ${appId} on EVENTS`, timeoutMs: 10_000 },
  );
}

const appRow = (id: string) => h.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('credential rotation', () => {
  for (const which of ['api_key', 'admin_token'] as const) {
    it(`rotation - ${which} with grace: old and new both work until previous_valid_until, then the old is 401`, async () => {
      const app = await h.createApp(`grace-${which}`);
      const old = app[which];
      expect(await statusWith(app, which, old)).toBe(200); // cached now: the rotation must not be hidden by the cache
      const before = Date.now();
      const response = await rotate(app.id, { which, grace_seconds: 2 });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual([which, 'previous_valid_until'].sort());
      const fresh = response.body[which]!;
      expect(fresh).not.toBe(old);
      expect(fresh).toMatch(which === 'api_key' ? /^sbk_/ : new RegExp(`^sba\\.${app.id}\\.`));
      const until = Date.parse(response.body.previous_valid_until);
      expect(until).toBeGreaterThanOrEqual(before + 2000);
      expect(until).toBeLessThanOrEqual(Date.now() + 2000);

      expect(await statusWith(app, which, fresh)).toBe(200);
      expect(await statusWith(app, which, old)).toBe(200);
      // Only the hashes are stored, the old one as the previous credential.
      const row = await appRow(app.id);
      expect(JSON.stringify(row)).not.toContain(fresh);
      expect(which === 'api_key' ? row.previous_api_key_hash : row.previous_admin_token_hash).toBe(createHash('sha256').update(old).digest('hex'));

      await sleep(Math.max(0, until - Date.now()) + 50);
      const refused = await request(h.url, 'GET', '/v1/conversations', { headers: headersWith(app, which, old) });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('INVALID_CREDENTIALS');
      expect(await statusWith(app, which, fresh)).toBe(200);

      // The other credential of the app did not change.
      const other = which === 'api_key' ? 'admin_token' : 'api_key';
      expect(await statusWith(app, other, app[other])).toBe(200);
    });

    it(`rotation - ${which} with grace 0: the old is 401 at once, the new works at once`, async () => {
      const app = await h.createApp(`now-${which}`);
      expect(await statusWith(app, which, app[which])).toBe(200);
      const response = await rotate(app.id, { which, grace_seconds: 0 });
      expect(response.status).toBe(201);
      expect(Date.parse(response.body.previous_valid_until)).toBeLessThanOrEqual(Date.now());
      expect(await statusWith(app, which, app[which])).toBe(401);
      expect(await statusWith(app, which, response.body[which]!)).toBe(200);
    });
  }

  it('rotation - a socket handshake with the previous credential is told its end and which credential it used', async () => {
    const app = await h.createApp('handshake');
    const response = await rotate(app.id, { which: 'api_key', grace_seconds: 30 });
    expect(response.status).toBe(201);
    const auth = (apiKey: string) =>
      request(h.url, 'POST', INTERNAL_PATHS.authClient, { body: { app_id: app.id, device_id: 'socket-device', api_key: apiKey } });
    const old = await auth(app.api_key);
    expect(old.status).toBe(200);
    expect(old.body.session).toMatchObject({
      credentials_valid_until: response.body.previous_valid_until,
      credentials: [`api_key:${fingerprint(app.api_key)}`],
    });
    const fresh = await auth(response.body.api_key!);
    expect(fresh.body.session).toMatchObject({ credentials_valid_until: null, credentials: [`api_key:${fingerprint(response.body.api_key!)}`] });
  });

  it('rotation - the revocation reaches the EVENTS stream with the contract payload and a Nats-Msg-Id', async () => {
    const app = await h.createApp('events');
    const response = await rotate(app.id, { which: 'admin_token', grace_seconds: 30 });
    expect(response.status).toBe(201);
    const [event] = await revocationsOf(app.id, 1);
    expect(event!.subject).toBe('app.credentials_revoked');
    expect(event!.msgId).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(event!.data).toEqual({
      app_id: app.id,
      which: 'admin_token',
      valid_until: response.body.previous_valid_until,
      credential_id: `admin_token:${fingerprint(app.admin_token)}`,
    } satisfies AppCredentialsRevokedEvent);
    // Never a secret on the bus.
    expect(JSON.stringify(event)).not.toContain(app.admin_token.split('.')[2]);
    expect(await h.count('outbox')).toBe(0);
  });

  it('rotation - a second rotation drops the first previous credential at once, and revokes it', async () => {
    const app = await h.createApp('twice');
    const first = await rotate(app.id, { which: 'api_key', grace_seconds: 60 });
    expect(first.status).toBe(201);
    expect(await statusWith(app, 'api_key', app.api_key)).toBe(200);
    const beforeSecond = Date.now();
    const second = await rotate(app.id, { which: 'api_key', grace_seconds: 60 });
    expect(second.status).toBe(201);
    expect(await statusWith(app, 'api_key', app.api_key)).toBe(401); // only one previous credential at a time
    expect(await statusWith(app, 'api_key', first.body.api_key!)).toBe(200); // the previous one, in its grace
    expect(await statusWith(app, 'api_key', second.body.api_key!)).toBe(200);

    const events = (await revocationsOf(app.id, 3)).map((e) => e.data);
    expect(events.map((e) => [e.which, e.credential_id])).toEqual([
      ['api_key', `api_key:${fingerprint(app.api_key)}`],
      ['api_key', `api_key:${fingerprint(app.api_key)}`], // dropped now by the second rotation
      ['api_key', `api_key:${fingerprint(first.body.api_key!)}`],
    ]);
    expect(events[0].valid_until).toBe(first.body.previous_valid_until);
    expect(Date.parse(events[1].valid_until)).toBeGreaterThanOrEqual(beforeSecond);
    expect(Date.parse(events[1].valid_until)).toBeLessThan(Date.parse(first.body.previous_valid_until));
    expect(events[2].valid_until).toBe(second.body.previous_valid_until);
  });

  it('rotation - a previous credential already expired is not revoked again', async () => {
    const app = await h.createApp('expired-previous');
    expect((await rotate(app.id, { which: 'admin_token', grace_seconds: 0 })).status).toBe(201);
    const second = await rotate(app.id, { which: 'admin_token', grace_seconds: 0 });
    expect(second.status).toBe(201);
    await sleep(500); // the relay would have published a third event by now
    const events = await revocationsOf(app.id, 2);
    expect(events).toHaveLength(2);
  });

  it('rotation - grace_seconds defaults to 86400', async () => {
    const app = await h.createApp('default-grace');
    const before = Date.now();
    const response = await rotate(app.id, { which: 'api_key' });
    expect(response.status).toBe(201);
    const until = Date.parse(response.body.previous_valid_until);
    expect(until).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });

  it('rotation - bad bodies are 400 VALIDATION_FAILED and change nothing; unknown app 404; operator token required', async () => {
    const app = await h.createApp('bad-bodies');
    const rowBefore = await appRow(app.id);
    const cases: [unknown, string][] = [
      [{ which: 'api_key', grace_seconds: 10, extra: true }, 'extra'],
      [{ which: 'api_key', grace_seconds: -1 }, 'grace_seconds'],
      [{ which: 'api_key', grace_seconds: 604_801 }, 'grace_seconds'],
      [{ which: 'api_key', grace_seconds: '10' }, 'grace_seconds'],
      [{ which: 'api_key', grace_seconds: 1.5 }, 'grace_seconds'],
      [{ which: 'identity_key', grace_seconds: 10 }, 'which'],
      [{ grace_seconds: 10 }, 'which'],
      [[], ''],
    ];
    for (const [body, field] of cases) {
      const response = await rotate(app.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error?.code).toBe('VALIDATION_FAILED');
      expect((response.body.error as any).fields.map((f: { path: string }) => f.path), JSON.stringify(body)).toContain(field);
    }
    const noBody = await request(h.url, 'POST', rotatePath(app.id), { headers: operator });
    expect(noBody.status).toBe(400);

    const unknown = await rotate('app_00000000000000000000000000000000', { which: 'api_key', grace_seconds: 0 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('NOT_FOUND');
    expect((await rotate('not an id!', { which: 'api_key', grace_seconds: 0 })).status).toBe(404);

    const missingToken = await rotate(app.id, { which: 'api_key', grace_seconds: 0 }, {});
    expect([missingToken.status, missingToken.body.error?.code]).toEqual([401, 'MISSING_PARAMS']);
    const wrongToken = await rotate(app.id, { which: 'api_key', grace_seconds: 0 }, { Authorization: 'Bearer wrong-operator-token' });
    expect([wrongToken.status, wrongToken.body.error?.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    // An app's own admin token is not the operator's.
    const adminToken = await rotate(app.id, { which: 'api_key', grace_seconds: 0 }, agentHeaders(app));
    expect(adminToken.status).toBe(401);

    expect(await appRow(app.id)).toEqual(rowBefore);
    expect(await statusWith(app, 'api_key', app.api_key)).toBe(200);
    expect(await statusWith(app, 'admin_token', app.admin_token)).toBe(200);
    await sleep(500);
    expect((await readEvents(h.nats.url)).filter((e) => e.data.app_id === app.id)).toEqual([]);
  });

  it('rotation - without OPERATOR_TOKEN the route does not exist (404)', async () => {
    await using replica = await h.startReplica({ operatorToken: undefined });
    const app = await h.createApp('no-operator');
    const response = await rotate(app.id, { which: 'api_key', grace_seconds: 0 }, operator, replica.url);
    expect(response.status).toBe(404);
    expect(await statusWith(app, 'api_key', app.api_key)).toBe(200);
  });

  it('rotation - another replica that cached the app accepts the new credential at once and the old one only in its grace', async () => {
    await using replica = await h.startReplica();
    const app = await h.createApp('two-replicas');
    expect(await statusWith(app, 'admin_token', app.admin_token, replica.url)).toBe(200); // cached there
    await sleep(1100); // a cached entry is re-read on a mismatch once it is a second old
    const response = await rotate(app.id, { which: 'admin_token', grace_seconds: 0 });
    expect(response.status).toBe(201);
    expect(await statusWith(app, 'admin_token', response.body.admin_token!, replica.url)).toBe(200);
    expect(await statusWith(app, 'admin_token', app.admin_token, replica.url)).toBe(401);
  });

  it('rotation - OpenAPI documents the route with its request and answer schemas', async () => {
    const { body } = await request(h.url, 'GET', '/openapi.json');
    const operation = body.paths['/v1/apps/{app_id}/credentials/rotate'].post;
    expect(operation.security).toEqual([{ operator: [] }]);
    expect(operation.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/RotateCredentialsRequest');
    expect(operation.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/RotatedCredential');
    const schema = body.components.schemas.RotateCredentialsRequest;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.grace_seconds).toMatchObject({ minimum: 0, maximum: 604_800, default: 86_400 });
    expect(schema.properties.which.enum).toEqual(['api_key', 'admin_token']);
  });
});

describe('apps:rotate', () => {
  const script = fileURLToPath(new URL('../dist/cli/apps-rotate.js', import.meta.url));
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('apps:rotate - on DATABASE_URL prints the JSON of the API, and the running service takes the change', async () => {
    const app = await h.createApp('cli-database');
    expect(await statusWith(app, 'admin_token', app.admin_token)).toBe(200);
    const result = await run(['--app', app.id, '--which', 'admin_token', '--grace', '0'], { DATABASE_URL: h.database.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as RotatedCredential;
    expect(Object.keys(printed).sort()).toEqual(['admin_token', 'previous_valid_until']);
    expect(printed.admin_token).toMatch(new RegExp(`^sba\\.${app.id}\\.`));
    // The service's cache honours a change made elsewhere: the new token at once (re-read on a mismatch), the old
    // one within its 5 s TTL.
    await waitFor(async () => (await statusWith(app, 'admin_token', printed.admin_token!)) === 200, { message: 'new token accepted' });
    await waitFor(async () => (await statusWith(app, 'admin_token', app.admin_token)) === 401, { message: 'old token refused', timeoutMs: 7000 });
    const [event] = await revocationsOf(app.id, 1);
    expect(event!.data).toMatchObject({ which: 'admin_token', credential_id: `admin_token:${fingerprint(app.admin_token)}` });
  });

  it('apps:rotate - without DATABASE_URL it calls the operator API and prints the same JSON', async () => {
    const app = await h.createApp('cli-api');
    const result = await run(['--app', app.id, '--which', 'api_key'], { MESSAGES_URL: h.url, OPERATOR_TOKEN });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as RotatedCredential;
    expect(Object.keys(printed).sort()).toEqual(['api_key', 'previous_valid_until']);
    expect(Date.parse(printed.previous_valid_until)).toBeGreaterThan(Date.now() + 86_000_000);
    expect(await statusWith(app, 'api_key', printed.api_key!)).toBe(200);
    expect(await statusWith(app, 'api_key', app.api_key)).toBe(200);
  });

  it('apps:rotate - --help prints the usage; bad arguments exit 2, an unknown app 1, changing nothing', async () => {
    for (const flag of ['--help', '-h']) {
      const help = await run([flag]);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^usage: npm run -s apps:rotate -- --app ID --which api_key\|admin_token \[--grace SECONDS\]/);
      expect(help.stdout).toContain('DATABASE_URL');
    }
    const app = await h.createApp('cli-bad');
    const rowBefore = await appRow(app.id);
    const env = { DATABASE_URL: h.database.url };
    for (const args of [
      ['--frobnicate'],
      ['--which', 'api_key'],
      ['--app', app.id],
      ['--app', app.id, '--which', 'identity_key'],
      ['--app', app.id, '--which', 'api_key', '--grace=-1'],
      ['--app', app.id, '--which', 'api_key', '--grace', '604801'],
      ['--app', app.id, '--which', 'api_key', '--grace', 'soon'],
    ]) {
      const result = await run(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('usage: npm run -s apps:rotate');
      if (args.some((arg) => arg.startsWith('--grace'))) expect(result.stderr).toMatch(/^apps:rotate: --grace /);
    }
    const unknown = await run(['--app', 'app_00000000000000000000000000000000', '--which', 'api_key'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('apps:rotate: NOT_FOUND: app not found\n');
    expect(await appRow(app.id)).toEqual(rowBefore);
  });
});

describe('EVENTS stream', () => {
  it('stream - the service creates EVENTS with the contract settings next to MESSAGES', async () => {
    const nc = await connect({ servers: h.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const { config } = await waitFor(() => jsm.streams.info('EVENTS'), { message: 'EVENTS exists' });
      expect(config.subjects).toEqual(['conversation.>', 'app.>']);
      expect(config.storage).toBe(StorageType.File);
      expect(config.max_age).toBe(7 * 24 * 3600 * 1e9);
      expect(config.duplicate_window).toBe(2 * 60 * 1e9);
      expect((await jsm.streams.info('MESSAGES')).config.subjects).toEqual(['message.>']);
    } finally {
      await nc.close();
    }
  });

  it('stream - with NATS_PREFIX p the service creates p_EVENTS on p.conversation.> and p.app.>, and publishes revocations there; no secret is logged', async () => {
    await using stack = await startStack({ nodes: 0, messagesEnv: { NATS_PREFIX: 'p', LOG_LEVEL: 'debug' } });
    const names = natsNames('p');
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const { config } = await waitFor(() => jsm.streams.info(names.streams.events), { message: 'p_EVENTS exists' });
      expect(config.name).toBe('p_EVENTS');
      expect(config.subjects).toEqual(['p.conversation.>', 'p.app.>']);
      expect(config.storage).toBe(StorageType.File);
      expect(config.max_age).toBe(7 * 24 * 3600 * 1e9);
      expect(config.duplicate_window).toBe(2 * 60 * 1e9);
      await expect(jsm.streams.info('EVENTS')).rejects.toThrow();

      const app: CreatedApp = await stack.createApp('prefixed');
      const rotated = await stack.rest('POST', rotatePath(app.id), { Authorization: `Bearer ${stack.operatorToken}` }, { which: 'api_key', grace_seconds: 5 });
      expect(rotated.status).toBe(201);
      const [event] = await revocationsOf(app.id, 1, stack.natsUrl, 'p_EVENTS');
      expect(event!.subject).toBe('p.app.credentials_revoked');
      expect(event!.data).toMatchObject({ app_id: app.id, which: 'api_key', valid_until: rotated.body.previous_valid_until });

      // The service's own debug logs name the rotation, never a secret.
      expect(await statusWith(app, 'api_key', app.api_key, stack.messages.url)).toBe(200);
      expect(await statusWith(app, 'api_key', rotated.body.api_key, stack.messages.url)).toBe(200);
      const logs = await waitFor(() => (stack.messages.logs().includes('app credential rotated') ? stack.messages.logs() : undefined), { message: 'rotation logged' });
      for (const secret of [app.api_key, rotated.body.api_key, app.admin_token, stack.operatorToken]) expect(logs).not.toContain(secret);
    } finally {
      await nc.close();
    }
  });

  it('stream - an EVENTS stream that cannot be made holds back only app events, never messages, and is made once it can be', async () => {
    await using nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      // Someone else's stream already captures app.> on this server: EVENTS cannot be created (overlapping subjects).
      await jsm.streams.add({ name: 'SQUATTER', subjects: ['app.>'] });
      const publisher = createJetStreamPublisher({ connection: nc, logger: testLogger(), names: natsNames() });
      const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
      expect(await publisher.publish('message.created', encode({ n: 1 }), 'message-1')).toEqual({ duplicate: false });
      await expect(publisher.publish('app.credentials_revoked', encode({ n: 2 }), 'app-1')).rejects.toThrow();
      expect(await publisher.publish('message.created', encode({ n: 3 }), 'message-2')).toEqual({ duplicate: false });
      expect((await jsm.streams.info('MESSAGES')).state.messages).toBe(2);

      await jsm.streams.delete('SQUATTER');
      expect(await publisher.publish('app.credentials_revoked', encode({ n: 2 }), 'app-1')).toEqual({ duplicate: false });
      expect((await jsm.streams.info('EVENTS')).config.subjects).toEqual(['conversation.>', 'app.>']);
    } finally {
      await nc.close();
    }
  });
});
