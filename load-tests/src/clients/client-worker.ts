/**
 * One client process of the load runner: holds many Socket.IO connections over raw WebSockets (the same frame
 * helpers as the k6 scripts), bound to one source address, and records what arrives. Driven over IPC by
 * client-fleet.ts; it exits when told to close or when its parent goes away.
 */
import WebSocket from 'ws';
import { ReconnectPolicy } from '@switchboard/client';
import { sleep } from '@switchboard/runtime';
import { createHistogram, type Histogram } from '../measure/histogram.js';
import { createSession } from '../protocol/sio-frames.js';
import type { ClientWorkerStats, FromClientWorker, SocketSpec, StormStats, TagStats, ToClientWorker } from './worker-messages.js';

const MESSAGE_NEW_PREFIX = '42/client,["message:new",';

interface TagHistograms {
  received: number;
  readonly sendToClient: Histogram;
  readonly createdToClient: Histogram;
}

/** One socket of the worker across its connections (a reconnecting socket opens a new WebSocket each attempt). */
interface Slot {
  readonly spec: SocketSpec;
  /** The SDK's reconnect delays, when the socket reconnects. */
  readonly policy: ReconnectPolicy | undefined;
  everConnected: boolean;
  /** When it first got `connected` again since the last storm mark. */
  backAt: number | undefined;
}

function createClientWorker(send: (message: FromClientWorker) => void) {
  const sockets = new Set<WebSocket>();
  const slots = new Set<Slot>();
  const timers = new Set<NodeJS.Timeout>();
  const handshake = createHistogram();
  const tags = new Map<string, TagHistograms>();
  const connectErrors: Record<string, number> = {};
  let connected = 0;
  let open = 0;
  let drops = 0;
  let protocolErrors = 0;
  let closing = false;
  // Since the last storm mark: reconnect handshakes and refused reconnect attempts.
  const stormHandshake = createHistogram();
  let stormRefused: Record<string, number> = {};

  const tagOf = (tag: string) => {
    let entry = tags.get(tag);
    if (!entry) tags.set(tag, (entry = { received: 0, sendToClient: createHistogram(), createdToClient: createHistogram() }));
    return entry;
  };
  const failed = (reason: string) => (connectErrors[reason] = (connectErrors[reason] ?? 0) + 1);

  const onMessageNew = (body: string, createdAt: string | undefined, group: string | undefined) => {
    const now = Date.now();
    const space = body.indexOf(' ');
    const second = body.indexOf(' ', space + 1);
    const tag = space > 0 ? body.slice(space + 1, second > 0 ? second : undefined) : '-';
    const entry = tagOf(group === undefined ? tag : `${tag}@${group}`);
    entry.received++;
    const sentAt = Number(body.slice(0, space));
    if (Number.isFinite(sentAt) && sentAt > 0) entry.sendToClient.record(now - sentAt);
    if (createdAt) entry.createdToClient.record(now - Date.parse(createdAt));
  };
  /**
   * `message:new` frames are most of the traffic: read `body` and `created_at` straight from the frame text
   * (JSON escapes cannot occur in the load bodies or in ISO times), so tens of thousands per second stay cheap.
   * Anything unexpected goes through the full decoder.
   */
  const fastMessageNew = (frame: string, group: string | undefined): boolean => {
    if (!frame.startsWith(MESSAGE_NEW_PREFIX)) return false;
    const bodyAt = frame.indexOf('"body":"');
    const createdAt = frame.indexOf('"created_at":"');
    if (bodyAt < 0) return false;
    const bodyEnd = frame.indexOf('"', bodyAt + 8);
    onMessageNew(frame.slice(bodyAt + 8, bodyEnd), createdAt < 0 ? undefined : frame.slice(createdAt + 14, frame.indexOf('"', createdAt + 14)), group);
    return true;
  };

  /** The next attempt of a reconnecting socket, after its policy's delay (none once the worker closes). */
  const reconnectLater = (url: string, localAddress: string, slot: Slot, timeoutMs: number) => {
    if (!slot.policy || closing) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closing) void openOne(url, localAddress, slot, timeoutMs);
    }, slot.policy.next().delayMs);
    timers.add(timer);
  };

  /** Opens one socket; resolves when its namespace answered (or it failed). */
  const openOne = (url: string, localAddress: string, slot: Slot, timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const { spec } = slot;
      const started = Date.now();
      let state: 'opening' | 'connected' | 'done' = 'opening';
      const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: timeoutMs });
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      const fail = (reason: string) => {
        if (state !== 'opening') return;
        state = 'done';
        clearTimeout(timer);
        failed(reason);
        if (slot.everConnected) stormRefused[reason] = (stormRefused[reason] ?? 0) + 1;
        ws.terminate();
        resolve();
        reconnectLater(url, localAddress, slot, timeoutMs);
      };
      const session = createSession((frame) => ws.send(frame), {
        onOpen: () => session.connect(spec.nsp, spec.auth),
        onConnectError: (_nsp, error) => {
          // As the SDK does: a loaded node's refusal says when to come back.
          const retryAfter = (error.data as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
          if (typeof retryAfter === 'number') slot.policy?.retryAfter(retryAfter);
          fail(error.message);
        },
        onEvent: (_nsp, name, args) => {
          if (name === 'message:new') {
            const message = args[0] as { body?: unknown; created_at?: unknown };
            return onMessageNew(typeof message.body === 'string' ? message.body : '', typeof message.created_at === 'string' ? message.created_at : undefined, spec.group);
          }
          if (name === 'connected' && state === 'opening') {
            state = 'connected';
            clearTimeout(timer);
            connected++;
            open++;
            const now = Date.now();
            handshake.record(now - started);
            if (slot.everConnected) {
              stormHandshake.record(now - started);
              slot.backAt ??= now;
            }
            slot.everConnected = true;
            slot.policy?.connected();
            resolve();
          } else if (name === 'error') protocolErrors++;
        },
        onInvalid: () => protocolErrors++,
      });
      ws.on('message', (data) => {
        const frame = data.toString();
        if (!fastMessageNew(frame, spec.group)) session.receive(frame);
      });
      ws.on('error', (error) => fail((error as NodeJS.ErrnoException).code ?? error.message));
      ws.on('close', () => {
        sockets.delete(ws);
        if (state === 'connected') {
          state = 'done';
          open--;
          if (!closing) drops++;
          slot.policy?.dropped();
          reconnectLater(url, localAddress, slot, timeoutMs);
        }
        fail('closed before connected');
      });
      sockets.add(ws);
    });

  const stats = (): ClientWorkerStats => {
    const tagStats: Record<string, TagStats> = {};
    for (const [tag, entry] of tags) {
      tagStats[tag] = { received: entry.received, sendToClient: entry.sendToClient.toJSON(), createdToClient: entry.createdToClient.toJSON() };
    }
    return { open, connected, drops, connectErrors: { ...connectErrors }, handshake: handshake.toJSON(), tags: tagStats, protocolErrors };
  };

  return {
    async handle(message: ToClientWorker) {
      switch (message.type) {
        case 'open': {
          closing = false;
          const queue: Slot[] = message.sockets.map((spec) => ({
            spec,
            policy: message.reconnect ? new ReconnectPolicy() : undefined,
            everConnected: false,
            backAt: undefined,
          }));
          for (const slot of queue) slots.add(slot);
          const lane = async () => {
            for (let slot = queue.shift(); slot; slot = queue.shift()) await openOne(message.url, message.localAddress, slot, message.timeoutMs);
          };
          await Promise.all(Array.from({ length: Math.max(1, message.concurrency) }, lane));
          return send({ type: 'opened', stats: stats() });
        }
        case 'snapshot':
          return send({ type: 'snapshot', stats: stats() });
        case 'storm-mark': {
          stormHandshake.reset();
          stormRefused = {};
          for (const slot of slots) slot.backAt = undefined;
          return send({ type: 'marked' });
        }
        case 'cut': {
          let cut = 0;
          for (const ws of [...sockets]) {
            if (ws.readyState === WebSocket.OPEN) cut++;
            ws.terminate();
          }
          return send({ type: 'cut', cut });
        }
        case 'storm-stats': {
          const backAt: number[] = [];
          for (const slot of slots) if (slot.backAt !== undefined) backAt.push(slot.backAt);
          const storm: StormStats = { sockets: slots.size, open, backAt, handshake: stormHandshake.toJSON(), refused: { ...stormRefused } };
          return send({ type: 'storm-stats', storm });
        }
        case 'close': {
          closing = true;
          for (const timer of timers) clearTimeout(timer);
          timers.clear();
          for (const slot of slots) slot.policy?.close();
          slots.clear();
          for (const ws of sockets) ws.close();
          const deadline = Date.now() + 5000;
          while (sockets.size > 0 && Date.now() < deadline) await sleep(50);
          for (const ws of sockets) ws.terminate();
          // The next `open` measures another server: its handshakes, errors and drops start from zero.
          handshake.reset();
          for (const reason of Object.keys(connectErrors)) delete connectErrors[reason];
          connected = 0;
          drops = 0;
          protocolErrors = 0;
          return send({ type: 'closed' });
        }
      }
    },
  };
}

const worker = createClientWorker((message) => process.send?.(message));
process.on('message', (message: ToClientWorker) => {
  worker.handle(message).catch((error: unknown) => {
    process.stderr.write(`client worker: ${String(error)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
