import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { applyStatus, mergeMessages } from './timeline-model.js';

const message = (seq: number, sender: Message['sender'], status: Message['status'] = 'sent'): Message =>
  ({ id: `m${seq}`, local_id: `l${seq}`, conversation_id: 'c', seq, body: `#${seq}`, sender, sender_id: null, created_at: '2026-01-01T00:00:00.000Z', status }) as Message;

describe('console timeline - model', () => {
  it('shows each message once, in seq order, whatever way it came', () => {
    const shown = mergeMessages([message(3, 'user'), message(4, 'agent')], [message(1, 'user'), message(2, 'agent'), message(3, 'user')]);
    expect(shown.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(mergeMessages(shown, shown)).toHaveLength(4);
  });

  it('keeps a read message read when a staler copy arrives', () => {
    const read = mergeMessages([], [message(1, 'agent', 'read')]);
    expect(mergeMessages(read, [message(1, 'agent', 'sent')])[0]!.status).toBe('read');
  });

  it('marks the messages the reader did not send, up to the marker', () => {
    const shown = [message(1, 'agent'), message(2, 'user'), message(3, 'agent'), message(4, 'agent')];
    const after = applyStatus(shown, { conversation_id: 'c', message_id: 'm3', status: 'read', reader: 'user' });
    expect(after.map((m) => m.status)).toEqual(['read', 'sent', 'read', 'sent']);
    expect(applyStatus(shown, { conversation_id: 'c', message_id: 'unknown', status: 'read', reader: 'user' })).toEqual(shown);
  });
});
