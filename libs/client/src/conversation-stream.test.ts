import { describe, expect, it, vi } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { sleep } from '@switchboard/testing';
import { ConversationStreams, type FetchMissing } from './conversation-stream.js';

const msg = (seq: number, conversation = 'c1'): Message => ({
  id: `m${seq}`,
  local_id: `l${seq}`,
  conversation_id: conversation,
  seq,
  body: `body ${seq}`,
  sender: 'user',
  sender_id: 'device',
  sender_name: null,
  created_at: new Date(0).toISOString(),
  status: 'sent',
});
/** A server holding messages 1..n. */
const server = (n: number): FetchMissing =>
  vi.fn(async (_c, afterId) => Array.from({ length: n }, (_, i) => msg(i + 1)).filter((m) => m.seq > Number((afterId ?? 'm0').slice(1))));
const settle = () => sleep(0);

describe('conversation streams', () => {
  it('streams - duplicates are delivered once, in seq order', async () => {
    const delivered: number[] = [];
    const streams = new ConversationStreams(server(3), (m) => delivered.push(m.seq));
    await streams.joined('c1', null);
    for (const seq of [1, 1, 2, 1, 2, 3, 3]) streams.received(msg(seq));
    await settle();
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('streams - a seq gap is filled over REST after the last delivered message, early ones wait', async () => {
    const fetchMissing = server(5);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq));
    await streams.joined('c1', null);
    streams.received(msg(1));
    streams.received(msg(4)); // 2 and 3 missed
    streams.received(msg(5));
    await settle();
    expect(fetchMissing).toHaveBeenCalledWith('c1', 'm1');
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it('streams - on a rejoin after a drop, it fetches exactly what came after its last message', async () => {
    const fetchMissing = server(7);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq));
    await streams.joined('c1', null);
    for (const seq of [1, 2, 3]) streams.received(msg(seq));
    await streams.joined('c1', 'm7'); // reconnected: the server is at 7
    expect(fetchMissing).toHaveBeenCalledWith('c1', 'm3');
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await streams.joined('c1', 'm7'); // nothing new: no fetch
    expect(fetchMissing).toHaveBeenCalledTimes(1);
  });

  it('streams - joined at an existing message: what follows starts after it, with nothing replayed', async () => {
    const fetchMissing = server(6);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq));
    await streams.joined('c1', 'm4');
    streams.received(msg(6)); // 5 came while we were not listening
    await settle();
    expect(fetchMissing).toHaveBeenCalledWith('c1', 'm4');
    expect(delivered).toEqual([5, 6]);
  });

  it('streams - an unknown conversation (agent inbox) starts at its first message; later gaps are filled', async () => {
    const fetchMissing = server(12);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq));
    streams.received(msg(10));
    streams.received(msg(12));
    await settle();
    expect(fetchMissing).toHaveBeenCalledWith('c1', 'm10');
    expect(delivered).toEqual([10, 11, 12]);
  });

  it('streams - a failed fill is retried on a timer until it succeeds, with no further message needed', async () => {
    let failures = 2;
    const fetchMissing: FetchMissing = vi.fn(async () => {
      if (failures-- > 0) throw new Error('offline');
      return [msg(2), msg(3)];
    });
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq), () => {}, { retryDelay: () => 5 });
    await streams.joined('c1', null);
    streams.received(msg(1));
    await streams.joined('c1', 'm3'); // back from a drop: the server is at 3, the fetch fails twice
    await sleep(60);
    expect(fetchMissing).toHaveBeenCalledTimes(3);
    expect(delivered).toEqual([1, 2, 3]);
    streams.close();
  });

  it('streams - a failed fill is reported and retried at the next message', async () => {
    let fail = true;
    const fetchMissing: FetchMissing = vi.fn(async () => {
      if (fail) throw new Error('offline');
      return [msg(2)];
    });
    const errors: unknown[] = [];
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq), (e) => errors.push(e), { retryDelay: () => 60_000 });
    await streams.joined('c1', null);
    streams.received(msg(1));
    streams.received(msg(3));
    await settle();
    expect(errors).toHaveLength(1);
    expect(delivered).toEqual([1]);
    fail = false;
    streams.received(msg(4));
    await settle();
    expect(delivered).toEqual([1, 2, 3, 4]);
    streams.close();
  });

  it('streams - a message that arrives during a fill past a still-missing seq starts another fill at once', async () => {
    // The server holds 1..3 when the first fill reads; 4 and 5 commit while it runs, and only 5 reaches the socket.
    let serverAt = 3;
    const all = (n: number) => Array.from({ length: n }, (_, i) => msg(i + 1));
    let release!: () => void;
    const fetchMissing: FetchMissing = vi.fn(async (_c, afterId) => {
      const snapshot = all(serverAt).filter((m) => m.seq > Number((afterId ?? 'm0').slice(1)));
      if (!release) await new Promise<void>((r) => (release = r));
      return snapshot;
    });
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq), () => {}, { retryDelay: () => 60_000 });
    await streams.joined('c1', null);
    streams.received(msg(1));
    streams.received(msg(3)); // 2 missed: a fill starts, reading 1..3
    await settle();
    serverAt = 5;
    streams.received(msg(5)); // 4 missed too, while the fill runs
    release();
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3, 4, 5]), { timeout: 1000 });
    expect(fetchMissing).toHaveBeenCalledTimes(2);
    streams.close();
  });

  it('streams - restored from a cursor, a new instance fills exactly what came after it', async () => {
    const fetchMissing = server(6);
    const delivered: number[] = [];
    const cursors: [string, number][] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq), () => {}, { onCursor: (c, cursor) => cursors.push([c, cursor.seq]) });
    streams.restore('c1', { seq: 4, id: 'm4' });
    await streams.joined('c1', 'm6');
    expect(fetchMissing).toHaveBeenCalledWith('c1', 'm4');
    expect(delivered).toEqual([5, 6]);
    expect(cursors).toEqual([
      ['c1', 5],
      ['c1', 6],
    ]);
    expect(streams.tracked()).toEqual(new Map([['c1', 'm6']]));
  });

  it('streams - a conversation joined while empty whose first messages were missed is filled from its start', async () => {
    const fetchMissing = server(3);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq));
    await streams.joined('c1', null); // empty when joined
    streams.received(msg(3)); // 1 and 2 were missed (e.g. while disconnected)
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3]));
    expect(fetchMissing).toHaveBeenCalledWith('c1', null);
  });

  it('streams - during a catch-up, a conversation first heard of waits: from its start if it appeared, else from what was heard', async () => {
    const fetchMissing = server(3);
    const delivered: string[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(`${m.conversation_id}:${m.seq}`));
    streams.hold();
    streams.received(msg(3)); // c1: 1 and 2 were sent while away, 3 is heard before the catch-up answers
    streams.received(msg(7, 'c2')); // c2: heard, but the catch-up does not report it
    await settle();
    expect(delivered).toEqual([]);
    await streams.fromStart('c1');
    expect(delivered).toEqual(['c1:1', 'c1:2', 'c1:3']);
    expect(fetchMissing).toHaveBeenCalledWith('c1', null);
    streams.release();
    expect(delivered).toEqual(['c1:1', 'c1:2', 'c1:3', 'c2:7']);
    streams.received(msg(8, 'c2'));
    expect(delivered.at(-1)).toBe('c2:8');
  });

  it('streams - a conversation first heard past its first message, its first one arriving next (two fan-out nodes): both delivered, in order', async () => {
    const fetchMissing = server(2);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq), () => {}, { startOf: async () => null });
    streams.received(msg(2));
    streams.received(msg(1)); // overtaken on the way
    await settle();
    await settle();
    expect(delivered).toEqual([1, 2]);
  });

  it('streams - a conversation first heard past its first message starts where startOf says: the gap after it is filled, nothing before it replayed', async () => {
    const fetchMissing = server(5);
    const delivered: number[] = [];
    const streams = new ConversationStreams(fetchMissing, (m) => delivered.push(m.seq), () => {}, { startOf: async () => ({ seq: 2, id: 'm2' }) });
    streams.received(msg(5));
    await settle();
    await settle();
    expect(fetchMissing).toHaveBeenCalledWith('c1', 'm2');
    expect(delivered).toEqual([3, 4, 5]);
  });

  it('streams - when startOf has no answer (or fails), a conversation starts at the first message heard', async () => {
    const delivered: number[] = [];
    const errors: unknown[] = [];
    const failing = new ConversationStreams(server(4), (m) => delivered.push(m.seq), (e) => errors.push(e), {
      startOf: async () => {
        throw new Error('offline');
      },
    });
    failing.received(msg(3));
    failing.received(msg(4));
    await settle();
    await settle();
    expect(delivered).toEqual([3, 4]);
    expect(errors).toHaveLength(1);
    const quiet: number[] = [];
    const unknown = new ConversationStreams(server(4), (m) => quiet.push(m.seq), () => {}, { startOf: async () => undefined });
    unknown.received(msg(3));
    await settle();
    await settle();
    expect(quiet).toEqual([3]);
  });
});
