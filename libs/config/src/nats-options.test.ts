import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthorizationError } from '@nats-io/transport-node';
import { createNatsOperatorSetup } from '@switchboard/testing';
import { ConfigError } from './env.js';
import { natsAuthFailure, natsConnectionOptions, redactNatsUrl } from './nats-options.js';

describe('nats options', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('nats options - a URL without credentials is passed as it is', () => {
    expect(natsConnectionOptions({ url: 'nats://nats.internal:4222' })).toEqual({ servers: 'nats://nats.internal:4222' });
  });

  it('nats options - user and password leave the URL for user/pass (percent-decoded)', () => {
    expect(natsConnectionOptions({ url: 'nats://alice:p%40ss%3Aw0rd@127.0.0.1:4222' })).toEqual({
      servers: 'nats://127.0.0.1:4222',
      user: 'alice',
      pass: 'p@ss:w0rd',
    });
    // A password of digits must not be taken for a port (nats.js's own URL parsing would).
    expect(natsConnectionOptions({ url: 'nats://bob:1234@127.0.0.1:4333' })).toMatchObject({ servers: 'nats://127.0.0.1:4333', pass: '1234' });
  });

  it('nats options - a user part alone is a token', () => {
    expect(natsConnectionOptions({ url: 'tls://s3cr3t-token@nats.example.com:4443' })).toEqual({
      servers: 'tls://nats.example.com:4443',
      token: 's3cr3t-token',
    });
  });

  it('nats options - redacts credentials for logs', () => {
    expect(redactNatsUrl('nats://alice:secret@host:4222')).toBe('nats://host:4222');
    expect(redactNatsUrl('nats://token@host:4222')).toBe('nats://host:4222');
  });

  it('nats options - NATS_CREDS (user JWT and seed) becomes an authenticator, beside a plain URL', async () => {
    await using operator = await createNatsOperatorSetup();
    const options = natsConnectionOptions({ url: 'nats://h:4222', credsFile: operator.credsFile });
    expect(options.servers).toBe('nats://h:4222');
    expect(typeof options.authenticator).toBe('function');
    expect(options).not.toHaveProperty('user');
  });

  it('nats options - NATS_CREDS that cannot be read, or is no creds file, is a configuration error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-creds-'));
    dirs.push(dir);
    const missing = path.join(dir, 'missing.creds');
    expect(() => natsConnectionOptions({ url: 'nats://h:4222', credsFile: missing })).toThrow(ConfigError);
    expect(() => natsConnectionOptions({ url: 'nats://h:4222', credsFile: missing })).toThrow(/NATS_CREDS: cannot read .*missing\.creds \(ENOENT\)/);
    const wrong = path.join(dir, 'wrong.creds');
    await writeFile(wrong, 'hello');
    expect(() => natsConnectionOptions({ url: 'nats://h:4222', credsFile: wrong })).toThrow(/not a NATS credentials file/);
  });

  it('nats options - a refusal of the credentials becomes a configuration error without the secret', () => {
    const settings = { url: 'nats://alice:secret@127.0.0.1:4222' };
    const refused = natsAuthFailure(new AuthorizationError('Authorization Violation'), settings);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).not.toContain('\n');
    expect((refused as Error).message).toMatch(/^NATS at nats:\/\/127\.0\.0\.1:4222 refused the credentials of NATS_URL: Authorization Violation/);
    expect((refused as Error).message).not.toMatch(/secret/);
    const other = new Error('connection refused');
    expect(natsAuthFailure(other, settings)).toBe(other);
  });
});
