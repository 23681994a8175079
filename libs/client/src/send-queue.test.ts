import { describe, expect, it, vi } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { sleep } from '@switchboard/testing';
import { ClientState } from './client-state.js';
import { SendError } from './errors.js';
import { SendQueue, type PendingSend, type Transmit } from './send-queue.js';
import { createMemoryStore, type ClientStore } from './store.js';

const stored = (p: PendingSend, seq = 1): Message => ({
  id: `msg_${p.localId}`,
  local_id: p.localId,
  conversation_id: p.conversationId,
  seq,
  body: p.body,
  sender: 'user',
  sender_id: 'device',
  sender_name: null,
  created_at: new Date().toISOString(),
  status: 'sent',
});

const flush = () => sleep(0);
const memoryState = () => new ClientState(createMemoryStore(), 'test');
/** A memory store that says it is durable, standing for localStorage or a folder. */
const durableStore = (): ClientStore => ({ ...createMemoryStore(), durable: true });

describe('send queue', () => {
  it('send queue - queues while offline and sends in order when online', async () => {
    const sent: string[] = [];
    const transmit: Transmit = async (p) => {
      sent.push(p.body);
      return { success: true, message: stored(p) };
    };
    const queue = new SendQueue({ state: memoryState(), transmit, retryDelay: () => 0 });
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
    const queue = new SendQueue({ state: memoryState(), transmit, retryDelay: (n) => (delays.push(n), 1) });
    queue.resume();
    const message = await queue.send('c1', 'hello', 'fixed-id');
    expect(message.local_id).toBe('fixed-id');
    expect(attempts).toEqual(['fixed-id', 'fixed-id', 'fixed-id']);
    expect(delays).toEqual([0, 1]);
  });

  it('send queue - a final error rejects that send and the queue moves on', async () => {
    const transmit: Transmit = async (p) =>
      p.body === 'bad' ? { success: false, error: { code: 'VALIDATION_FAILED', message: 'body: must not be blank' } } : { success: true, message: stored(p) };
    const queue = new SendQueue({ state: memoryState(), transmit, retryDelay: () => 0 });
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
      const queue = new SendQueue({ state: memoryState(), transmit, retryDelay: () => 1000 });
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
    const store = durableStore();
    const first = new SendQueue({ state: new ClientState(store, 'test'), transmit: async () => Promise.reject(new Error('offline')), retryDelay: () => 0 });
    void first.send('c1', 'kept', 'keep-1').catch(() => {});
    await flush();
    first.close();
    expect((await new ClientState(store, 'test').loadSends()).map((p) => p.localId)).toEqual(['keep-1']);
    const sent: string[] = [];
    const second = new SendQueue({ state: new ClientState(store, 'test'), transmit: async (p) => (sent.push(p.localId), { success: true, message: stored(p) }), retryDelay: () => 0 });
    second.resume();
    await sleep(10);
    expect(sent).toEqual(['keep-1']);
    expect(await new ClientState(store, 'test').loadSends()).toEqual([]);
  });

  it('send queue - conversations proceed independently: one waiting on UNAVAILABLE does not hold up another', async () => {
    let c1Unavailable = true;
    const transmit: Transmit = async (p) =>
      p.conversationId === 'c1' && c1Unavailable ? { success: false, error: { code: 'UNAVAILABLE', message: 'later' } } : { success: true, message: stored(p) };
    const queue = new SendQueue({ state: memoryState(), transmit, retryDelay: () => 60_000, unavailableDelay: () => 20 });
    queue.resume();
    const first = queue.send('c1', 'waits');
    const other = queue.send('c2', 'goes');
    expect((await other).body).toBe('goes');
    expect(queue.pending.map((p) => p.body)).toEqual(['waits']);
    c1Unavailable = false;
    expect((await first).body).toBe('waits');
  });

  it('send queue - UNAVAILABLE is retried with its own short delay, given the server\'s hint', async () => {
    let calls = 0;
    const transmit: Transmit = async (p) =>
      ++calls < 3 ? { success: false, error: { code: 'UNAVAILABLE', message: 'later', ...(calls === 2 ? { retry_after_ms: 7 } : {}) } } : { success: true, message: stored(p) };
    const seen: [number, number | undefined][] = [];
    const retryDelay = vi.fn(() => 60_000);
    const queue = new SendQueue({ state: memoryState(), transmit, retryDelay, unavailableDelay: (attempt, hint) => (seen.push([attempt, hint]), 1) });
    queue.resume();
    await queue.send('c1', 'x');
    expect(seen).toEqual([
      [0, undefined],
      [1, 7],
    ]);
    expect(retryDelay).not.toHaveBeenCalled();
  });

  it('send queue - a send that keeps killing the connection fails alone with CONNECTION_LOST; the others go', async () => {
    // The connection drops whenever the killer is in flight; every other send is acked.
    let online = true;
    const failed: SendError[] = [];
    let queue!: SendQueue;
    const transmit: Transmit = (p) =>
      new Promise((resolve, reject) => {
        if (!online) return reject(new Error('disconnected'));
        if (p.body === 'killer') {
          setTimeout(() => {
            online = false;
            queue.pause(); // the drop
            reject(new Error('socket has been disconnected'));
            setTimeout(() => ((online = true), queue.resume()), 1); // the reconnect
          }, 1);
          return;
        }
        setTimeout(() => resolve({ success: true, message: stored(p) }), 2);
      });
    const attempts: string[] = [];
    queue = new SendQueue({
      state: memoryState(),
      transmit: (p) => (attempts.push(p.body), transmit(p)),
      retryDelay: () => 0,
      maxDrops: 3,
      onFailed: (e) => failed.push(e),
    });
    queue.resume();
    const killer = queue.send('c1', 'killer');
    const afterIt = queue.send('c1', 'after it');
    const elsewhere = queue.send('c2', 'elsewhere');
    await expect(killer).rejects.toMatchObject({ code: 'CONNECTION_LOST', localId: expect.any(String) });
    expect((await afterIt).body).toBe('after it');
    expect((await elsewhere).body).toBe('elsewhere');
    expect(attempts.filter((b) => b === 'killer')).toHaveLength(3);
    expect(failed.map((e) => e.code)).toEqual(['CONNECTION_LOST']);
    expect(queue.pending).toEqual([]);
  });

  /**
   * A connection that drops `drops` times, each time 5 ms after a send was transmitted, ending every send in flight
   * on it (`pause` as the client calls it, then the reconnect); later sends are acked. Returns the most sends in
   * flight at once after the last drop.
   */
  const afterDrops = async (drops: number, dropped: boolean) => {
    let maxInFlight = 0;
    let dropsLeft = drops;
    const inFlight = new Set<(error: Error) => void>();
    let queue!: SendQueue;
    const transmit: Transmit = (p) =>
      new Promise((resolve, reject) => {
        inFlight.add(reject);
        maxInFlight = Math.max(maxInFlight, inFlight.size);
        setTimeout(() => {
          if (!inFlight.delete(reject)) return; // ended by a drop
          if (dropsLeft === 0) return resolve({ success: true, message: stored(p) });
          dropsLeft--;
          queue.pause({ dropped });
          reject(new Error('socket has been disconnected'));
          for (const other of inFlight) other(new Error('socket has been disconnected'));
          inFlight.clear();
          setTimeout(() => {
            maxInFlight = 0;
            queue.resume();
          }, 1);
        }, 5);
      });
    queue = new SendQueue({ state: memoryState(), transmit, retryDelay: () => 0 });
    queue.resume();
    const a = queue.send('c1', 'a');
    const b = queue.send('c2', 'b');
    expect((await a).body).toBe('a');
    expect((await b).body).toBe('b');
    return maxInFlight;
  };

  it('send queue - after one drop the sends that were in flight go again together; after two in a row they are sent alone, so an innocent one is not blamed', async () => {
    // One drop: both go again at once (a restarting server, a network change: nobody's fault).
    expect(await afterDrops(1, true)).toBe(2);
    // Two drops in a row with both in flight: both are suspects, sent one at a time, and both succeed.
    expect(await afterDrops(2, true)).toBe(1);
  });

  it('send queue - drops the server announced (dropped: false, after server:shutdown) make no suspect', async () => {
    expect(await afterDrops(2, false)).toBe(2);
  });

  it('send queue - close() rejects every pending send with CLIENT_CLOSED and drops them from a memory store', async () => {
    const state = memoryState();
    const queue = new SendQueue({ state, transmit: async () => Promise.reject(new Error('offline')), retryDelay: () => 0 });
    const a = queue.send('c1', 'a');
    const b = queue.send('c2', 'b');
    await flush();
    queue.close();
    await expect(a).rejects.toMatchObject({ code: 'CLIENT_CLOSED', kept: false });
    await expect(b).rejects.toMatchObject({ code: 'CLIENT_CLOSED', kept: false });
    await expect(queue.send('c1', 'late')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await flush();
    expect(await state.loadSends()).toEqual([]);
  });

  it('send queue - close() with a durable store rejects with CLIENT_CLOSED (kept) and leaves the sends stored', async () => {
    const state = new ClientState(durableStore(), 'test');
    const queue = new SendQueue({ state, transmit: async () => Promise.reject(new Error('offline')), retryDelay: () => 0 });
    const a = queue.send('c1', 'a', 'kept-a');
    await flush();
    queue.close();
    await expect(a).rejects.toMatchObject({ code: 'CLIENT_CLOSED', kept: true });
    expect((await state.loadSends()).map((p) => p.localId)).toEqual(['kept-a']);
  });

  it('send queue - a send left by a previous instance is reported through onSent when acknowledged', async () => {
    const store = durableStore();
    await new ClientState(store, 'test').saveSend({ conversationId: 'c1', localId: 'old-1', body: 'from before', createdAt: 1 });
    const sent: Message[] = [];
    const queue = new SendQueue({
      state: new ClientState(store, 'test'),
      transmit: async (p) => ({ success: true, message: stored(p) }),
      retryDelay: () => 0,
      onSent: (m) => sent.push(m),
    });
    queue.resume();
    await vi.waitFor(() => expect(sent.map((m) => m.local_id)).toEqual(['old-1']));
  });

  it('send queue - going offline on purpose does not count against the sends in flight', async () => {
    let queue!: SendQueue;
    let round = 0;
    const transmit: Transmit = (p) =>
      new Promise((resolve, reject) => {
        if (++round <= 3) {
          // The app goes to the background while the send is in flight, three times.
          setTimeout(() => {
            queue.pause({ dropped: false });
            queue.pause(); // the socket's own disconnect follows
            reject(new Error('socket has been disconnected'));
            setTimeout(() => queue.resume(), 1);
          }, 1);
          return;
        }
        resolve({ success: true, message: stored(p) });
      });
    queue = new SendQueue({ state: memoryState(), transmit, retryDelay: () => 0, maxDrops: 3 });
    queue.resume();
    expect((await queue.send('c1', 'patient')).body).toBe('patient');
  });
});
