import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { testMessage as message } from './test-message.js';
import { mergeMessages, receiptOf } from './message-model.js';

describe('message model - merge', () => {
  it('shows each message once, in seq order, whatever way it came', () => {
    const shown = mergeMessages([message(3, 'user'), message(4, 'agent')], [message(1, 'user'), message(2, 'agent'), message(3, 'user')]);
    expect(shown.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(mergeMessages(shown, shown)).toHaveLength(4);
  });

  it('keeps a read message read when a staler copy arrives', () => {
    const read = mergeMessages([], [message(1, 'agent', 'read')]);
    expect(mergeMessages(read, [message(1, 'agent', 'sent')])[0]!.status).toBe('read');
    const delivered = mergeMessages([], [message(2, 'user', 'delivered')]);
    expect(mergeMessages(delivered, [message(2, 'user', 'sent')])[0]!.status).toBe('delivered');
    expect(mergeMessages(delivered, [message(2, 'user', 'read')])[0]!.status).toBe('read');
  });

  it('reads a receipt for each status', () => {
    expect(['sent', 'delivered', 'read'].map((status) => receiptOf(message(1, 'user', status as Message['status'])))).toEqual(['Sent', 'Delivered', 'Read']);
  });
});
