import { describe, expect, it } from 'vitest';
import { testMessage as message } from '../shared/test-message.js';
import { applyStatus } from './timeline-model.js';

describe('console timeline - model', () => {
  it('marks the messages the reader did not send, up to the marker', () => {
    const shown = [message(1, 'agent'), message(2, 'user'), message(3, 'agent'), message(4, 'agent')];
    const after = applyStatus(shown, { conversation_id: 'c', message_id: 'm3', status: 'read', reader: 'user' });
    expect(after.map((m) => m.status)).toEqual(['read', 'sent', 'read', 'sent']);
    expect(applyStatus(shown, { conversation_id: 'c', message_id: 'unknown', status: 'read', reader: 'user' })).toEqual(shown);
  });
});
