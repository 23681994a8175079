import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { mergeMessages, newestFromAgents, readByAgents, receiptOf } from './widget-model.js';

const message = (seq: number, sender: Message['sender'], status: Message['status'] = 'sent'): Message => ({
  id: `m${seq}`,
  local_id: `l${seq}`,
  conversation_id: 'c',
  seq,
  body: `#${seq}`,
  sender,
  sender_id: null,
  sender_name: null,
  created_at: '2026-01-01T00:00:00.000Z',
  status,
});

describe('widget - model', () => {
  it('shows each message once, in seq order, whatever way it came', () => {
    const shown = mergeMessages([message(3, 'user'), message(4, 'agent')], [message(1, 'user'), message(2, 'agent'), message(3, 'user')]);
    expect(shown.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(mergeMessages(shown, shown)).toHaveLength(4);
  });

  it('keeps a read message read when a staler copy arrives', () => {
    const read = mergeMessages([], [message(1, 'user', 'read')]);
    expect(mergeMessages(read, [message(1, 'user', 'sent')])[0]!.status).toBe('read');
  });

  it("marks the customer's own messages read up to the agents' marker, not the agents' messages", () => {
    const shown = [message(1, 'user'), message(2, 'agent'), message(3, 'user'), message(4, 'user')];
    const after = readByAgents(shown, 'm3')!;
    expect(after.map((m) => m.status)).toEqual(['read', 'sent', 'read', 'sent']);
    expect(after.map(receiptOf)).toEqual(['Read', 'Sent', 'Read', 'Sent']);
    expect(readByAgents(shown, 'elsewhere')).toBeUndefined();
  });

  it('finds the newest message from the agents', () => {
    expect(newestFromAgents([message(1, 'agent'), message(2, 'agent'), message(3, 'user')])?.seq).toBe(2);
    expect(newestFromAgents([message(1, 'user')])).toBeUndefined();
  });
});
