import type { Message } from '@switchboard/protocol';

/** A stored message for the models' tests: id `m<seq>`, body `#<seq>`, in conversation `c`. */
export const testMessage = (seq: number, sender: Message['sender'], status: Message['status'] = 'sent'): Message => ({
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
