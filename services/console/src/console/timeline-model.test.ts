import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { applyStatus } from './timeline-model.js';

const message = (seq: number, sender: Message['sender'], status: Message['status'] = 'sent'): Message =>
  ({ id: `m${seq}`, local_id: `l${seq}`, conversation_id: 'c', seq, body: `#${seq}`, sender, sender_id: null, created_at: '2026-01-01T00:00:00.000Z', status }) as Message;

describe('console timeline - model', () => {
  it('marks the messages the reader did not send, up to the marker', () => {
    const shown = [message(1, 'agent'), message(2, 'user'), message(3, 'agent'), message(4, 'agent')];
    const after = applyStatus(shown, { conversation_id: 'c', message_id: 'm3', status: 'read', reader: 'user' });
    expect(after.map((m) => m.status)).toEqual(['read', 'sent', 'read', 'sent']);
    expect(applyStatus(shown, { conversation_id: 'c', message_id: 'unknown', status: 'read', reader: 'user' })).toEqual(shown);
  });
});
