/**
 * One client process of the load runner: holds many Socket.IO connections over raw WebSockets (the same frame
 * helpers as the k6 scripts), bound to one source address, and records what arrives. Driven over IPC by
 * client-fleet.ts; it exits when told to close or when its parent goes away.
 */
import WebSocket from 'ws';
import { sleep } from '@switchboard/runtime';
import { createHistogram, type Histogram } from '../measure/histogram.js';
import { createSession } from '../protocol/sio-frames.js';
import type { ClientWorkerStats, FromClientWorker, SocketSpec, TagStats, ToClientWorker } from './worker-messages.js';

const MESSAGE_NEW_PREFIX = '42/client,["message:new",';

interface TagHistograms {
  received: number;
  readonly sendToClient: Histogram;
  readonly createdToClient: Histogram;
}

function createClientWorker(send: (message: FromClientWorker) => void) {
  const sockets = new Set<WebSocket>();
  const handshake = createHistogram();
  const tags = new Map<string, TagHistograms>();
  const connectErrors: Record<string, number> = {};
  let connected = 0;
  let open = 0;
  let drops = 0;
  let protocolErrors = 0;
  let closing = false;

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

  /** Opens one socket; resolves when its namespace answered (or it failed). */
  const openOne = (url: string, localAddress: string, spec: SocketSpec, timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      let state: 'opening' | 'connected' | 'done' = 'opening';
      const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: timeoutMs });
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      const fail = (reason: string) => {
        if (state !== 'opening') return;
        state = 'done';
        clearTimeout(timer);
        failed(reason);
        ws.terminate();
        resolve();
      };
      const session = createSession((frame) => ws.send(frame), {
        onOpen: () => session.connect(spec.nsp, spec.auth),
        onConnectError: (_nsp, error) => fail(error.message),
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
            handshake.record(Date.now() - started);
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
          open--;
          if (!closing) drops++;
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
          const queue = [...message.sockets];
          const lane = async () => {
            for (let spec = queue.shift(); spec; spec = queue.shift()) await openOne(message.url, message.localAddress, spec, message.timeoutMs);
          };
          await Promise.all(Array.from({ length: Math.max(1, message.concurrency) }, lane));
          return send({ type: 'opened', stats: stats() });
        }
        case 'snapshot':
          return send({ type: 'snapshot', stats: stats() });
        case 'close': {
          closing = true;
          for (const ws of sockets) ws.close();
          const deadline = Date.now() + 5000;
          while (sockets.size > 0 && Date.now() < deadline) await sleep(50);
          for (const ws of sockets) ws.terminate();
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
