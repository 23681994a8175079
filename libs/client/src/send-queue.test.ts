import { describe, expect, it, vi } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { createMemorySendStore, SendError, SendQueue, type PendingSend, type Transmit } from './send-queue.js';

const stored = (p: PendingSend, seq = 1): Message => ({
  id: `msg_${p.localId}`,
  local_id: p.localId,
  conversation_id: p.conversationId,
  seq,
  body: p.body,
  sender: 'user',
  created_at: new Date().toISOString(),
  status: 'sent',
});

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('send queue', () => {
  it('send queue - queues while offline and sends in order when online', async () => {
    const sent: string[] = [];
    const transmit: Transmit = async (p) => {
      sent.push(p.body);
      return { success: true, message: stored(p) };
    };
    const queue = new SendQueue({ store: createMemorySendStore(), transmit, retryDelay: () => 0 });
    const a = queue.send('c1', 'first');
    const b = queue.send('c1', 'second');
    await flush();
    expect(sent).toEqual([]);
    expect(queue.pending.map((p) => p.body)).toEqual(['first', 'second']);
    queue.resume();
    expect((await a).body).toBe('first');
    expect((await b).body).toBe('second');
    expect(sent).toEqual(['first', 'second']);
    expect(queue.pending).toEqual([]);
  });

  it('send queue - retries timeouts and retryable errors with the same local_id until acked', async () => {
    const attempts: string[] = [];
    let calls = 0;
    const transmit: Transmit = async (p) => {
      attempts.push(p.localId);
      calls++;
      if (calls === 1) throw new Error('operation has timed out');
      if (calls === 2) return { success: false, error: { code: 'UNAVAILABLE', message: 'later' } };
      return { success: true, message: stored(p) };
    };
    const delays: number[] = [];
    const queue = new SendQueue({ store: createMemorySendStore(), transmit, retryDelay: (n) => (delays.push(n), 1) });
    queue.resume();
    const message = await queue.send('c1', 'hello', 'fixed-id');
    expect(message.local_id).toBe('fixed-id');
    expect(attempts).toEqual(['fixed-id', 'fixed-id', 'fixed-id']);
    expect(delays).toEqual([0, 1]);
  });

  it('send queue - a final error rejects that send and the queue moves on', async () => {
    const transmit: Transmit = async (p) =>
      p.body === 'bad' ? { success: false, error: { code: 'VALIDATION_FAILED', message: 'body: must not be blank' } } : { success: true, message: stored(p) };
    const queue = new SendQueue({ store: createMemorySendStore(), transmit, retryDelay: () => 0 });
    queue.resume();
    const bad = queue.send('c1', 'bad');
    const good = queue.send('c1', 'good');
    await expect(bad).rejects.toBeInstanceOf(SendError);
    await expect(bad).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await good).body).toBe('good');
  });

  it('send queue - pausing stops retries; resuming sends what waited', async () => {
    vi.useFakeTimers();
    try {
      let online = false;
      const transmit = vi.fn<Transmit>(async (p) => (online ? { success: true, message: stored(p) } : Promise.reject(new Error('disconnected'))));
      const queue = new SendQueue({ store: createMemorySendStore(), transmit, retryDelay: () => 1000 });
      queue.resume();
      const result = queue.send('c1', 'x');
      await vi.advanceTimersByTimeAsync(10);
      queue.pause();
      await vi.advanceTimersByTimeAsync(10_000);
      const callsWhilePaused = transmit.mock.calls.length;
      expect(callsWhilePaused).toBe(1);
      online = true;
      queue.resume();
      await vi.advanceTimersByTimeAsync(10);
      expect((await result).body).toBe('x');
    } finally {
      vi.useRealTimers();
    }
  });

  it('send queue - unacknowledged sends survive in the store and are sent by the next queue', async () => {
    const store = createMemorySendStore();
    const first = new SendQueue({ store, transmit: async () => Promise.reject(new Error('offline')), retryDelay: () => 0 });
    void first.send('c1', 'kept', 'keep-1').catch(() => {});
    await flush();
    first.close();
    expect((await store.load()).map((p) => p.localId)).toEqual(['keep-1']);
    const sent: string[] = [];
    const second = new SendQueue({ store, transmit: async (p) => (sent.push(p.localId), { success: true, message: stored(p) }), retryDelay: () => 0 });
    second.resume();
    await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual(['keep-1']);
    expect(await store.load()).toEqual([]);
  });
});
