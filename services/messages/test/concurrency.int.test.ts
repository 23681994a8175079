import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, CreatedApp, Message } from '@switchboard/protocol';
import { startMessagesHarness, type MessagesHarness } from './harness.js';

let h: MessagesHarness;
let app: CreatedApp;

beforeAll(async () => {
  h = await startMessagesHarness();
  app = await h.createApp('races');
});
afterAll(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe('concurrency', () => {
  it('idempotency - 10 concurrent sends with one local_id store one row: one 201, nine 200, one id', async () => {
    const device = h.device(app, 'racer');
    const agent = h.agent(app);
    for (let round = 0; round < 3; round++) {
      const c: Conversation = (await device.post('/v1/conversations')).body;
      const path = `/v1/conversations/${c.id}/messages`;
      // Device and agent retries mixed: whoever is first wins, the others get the first message.
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? agent : device).post(path, { body: `try ${i}`, local_id: 'same' })),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(new Set(responses.map((r) => r.body.body)).size).toBe(1);
      const rows = await h.db.selectFrom('messages').select(['id', 'seq']).where('conversation_id', '=', c.id).execute();
      expect(rows).toEqual([{ id: responses[0]!.body.id, seq: 1 }]);
      const events = await h.db.selectFrom('outbox').select('msg_id').where('conversation_id', '=', c.id).execute();
      expect(events.length).toBeLessThanOrEqual(1); // the relay may already have published it
    }
  });

  it('seq - 20 concurrent writers get 1..N with no hole or duplicate; a reader paging with after sees each once', async () => {
    const device = h.device(app, 'busy');
    const agent = h.agent(app);
    const c: Conversation = (await device.post('/v1/conversations')).body;
    const path = `/v1/conversations/${c.id}/messages`;
    const first: Message = (await device.post(path, { body: 'start', local_id: 'start' })).body;

    const writers = 20;
    const perWriter = 15;
    let writing = true;
    const writes = Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const who = w % 2 ? agent : device;
        for (let i = 0; i < perWriter; i++) {
          const response = await who.post(path, { body: `w${w} m${i}`, local_id: `w${w}-${i}` });
          expect(response.status).toBe(201);
        }
      }),
    ).finally(() => (writing = false));

    // The reader follows the conversation with small pages while the writers run.
    const seen: Message[] = [];
    let cursor = first.id;
    let emptyAfterDone = 0;
    while (emptyAfterDone < 2) {
      const done = !writing;
      const page = await device.get(`${path}?after=${cursor}&limit=7`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data);
      if (page.body.data.length > 0) cursor = page.body.data.at(-1).id;
      if (done && page.body.data.length === 0 && !page.body.has_more) emptyAfterDone++;
    }
    await writes;

    const total = writers * perWriter;
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((m) => m.id)).size).toBe(total);
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 2));

    const rows = await h.db.selectFrom('messages').select('seq').where('conversation_id', '=', c.id).orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    const conversation = (await device.get(`/v1/conversations/${c.id}`)).body;
    expect(conversation.last_message_id).toBe(seen.at(-1)!.id);
  });
});
