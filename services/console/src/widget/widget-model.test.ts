import { describe, expect, it } from 'vitest';
import { testMessage as message } from '../shared/test-message.js';
import { receiptOf } from '../shared/message-model.js';
import { newestFromAgents, readByAgents } from './widget-model.js';

describe('widget - model', () => {
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
