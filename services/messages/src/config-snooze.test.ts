import { describe, expect, it } from 'vitest';
import { ConfigError } from '@switchboard/config';
import { WORKFLOW } from '@switchboard/protocol';
import { loadMessagesConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://p/db', NATS_URL: 'nats://n:4222' };

describe('messages config: snooze wake-up', () => {
  it('config - the wake-up ticks every second by default, 100 conversations per transaction', () => {
    expect(loadMessagesConfig(base)).toMatchObject({ SNOOZE_WAKEUP_INTERVAL_MS: 1000, SNOOZE_WAKEUP_BATCH_SIZE: 100 });
    expect(loadMessagesConfig({ ...base, SNOOZE_WAKEUP_INTERVAL_MS: '250', SNOOZE_WAKEUP_BATCH_SIZE: '10' })).toMatchObject({
      SNOOZE_WAKEUP_INTERVAL_MS: 250,
      SNOOZE_WAKEUP_BATCH_SIZE: 10,
    });
  });

  it('config - an interval of 0 or beyond a fifth of the 5 s bound is refused, as is a batch of 0', () => {
    expect(WORKFLOW.snoozeWakeBoundMs / 5).toBe(1000);
    for (const bad of ['0', '1001', '5000', '-1', 'soon']) {
      expect(() => loadMessagesConfig({ ...base, SNOOZE_WAKEUP_INTERVAL_MS: bad }), bad).toThrow(ConfigError);
      expect(() => loadMessagesConfig({ ...base, SNOOZE_WAKEUP_INTERVAL_MS: bad }), bad).toThrow(/SNOOZE_WAKEUP_INTERVAL_MS: must be/);
    }
    expect(() => loadMessagesConfig({ ...base, SNOOZE_WAKEUP_BATCH_SIZE: '0' })).toThrow(/SNOOZE_WAKEUP_BATCH_SIZE: must be at least 1/);
  });
});
