import { describe, expect, it } from 'vitest';
import { ConfigError } from '@switchboard/config';
import { loadMessagesConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://p/db', NATS_URL: 'nats://n:4222' };

describe('messages config: NATS', () => {
  it('config - NATS_PREFIX defaults to empty (the contract\'s names) and NATS_CREDS to unset', () => {
    const config = loadMessagesConfig(base);
    expect(config.NATS_PREFIX).toBe('');
    expect(config.NATS_CREDS).toBeUndefined();
    expect(loadMessagesConfig({ ...base, NATS_PREFIX: 'staging-2_b', NATS_CREDS: '/etc/nats/user.creds' })).toMatchObject({
      NATS_PREFIX: 'staging-2_b',
      NATS_CREDS: '/etc/nats/user.creds',
    });
  });

  it('config - NATS_PREFIX outside 1-32 of A-Z a-z 0-9 _ - is refused', () => {
    for (const bad of ['a.b', 'a b', 'a*', 'a>', 'x'.repeat(33)]) {
      expect(() => loadMessagesConfig({ ...base, NATS_PREFIX: bad }), bad).toThrow(ConfigError);
      expect(() => loadMessagesConfig({ ...base, NATS_PREFIX: bad }), bad).toThrow(/NATS_PREFIX: must be 1-32 characters of A-Z a-z 0-9 _ -/);
    }
  });
});
