// One gateway-like node for the interest fan-out benchmarks (forked by bench.mjs and race.mjs; not run by hand).
// A uWS app with Socket.IO's /client and /admin namespaces and one fan-out mechanism (MECH):
//   streams  — today: the Redis streams adapter carries every room broadcast to every node.
//   sharded  — @socket.io/redis-adapter's sharded adapter, subscriptionMode 'dynamic' (Redis 7 SSUBSCRIBE per room).
//   nats     — core NATS subjects per room; the streams adapter stays for what it alone does, broadcasts go `.local`.
//   registry — a room → nodes set in Redis and one stream per node; the streams adapter stays likewise.
// ROLE consumer: pulls the shared JetStream consumer and hands each `message.created` to the mechanism (the node
// that takes an event); any role: accepts sockets whose `join` event goes through the mechanism's join.
// The parent talks over IPC: { cmd: 'cpu' } → process.cpuUsage(); { cmd: 'flow', ... } (race.mjs); { cmd: 'stop' }.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import uws from 'uWebSockets.js';
import { Server } from 'socket.io';
import { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { MessageCreatedEvent } from '@switchboard/protocol';

const { MECH, ROLE, REDIS_URL, NATS_URL, PREFIX, NODE_ID, STREAM, DURABLE } = process.env;
const now = () => performance.timeOrigin + performance.now();
const conversationRoom = (id) => `conv:${id}`;
const appRoom = (id) => `app:${id}`;

const redis = new Redis(REDIS_URL);
redis.on('error', () => {});
const nc = await connect({ servers: NATS_URL });
const streamsAdapter = () =>
  createAdapter(redis, {
    streamName: `${PREFIX}:socket.io`,
    channelPrefix: `${PREFIX}:socket.io`,
    sessionKeyPrefix: `${PREFIX}:sio-session:`,
    maxLen: 100_000,
    onlyPlaintext: true,
  });

let adapter;
if (MECH === 'sharded') {
  // Not a dependency of the project: installed outside it (see README.md), resolving the project's socket.io-adapter.
  const { createShardedAdapter } = createRequire(import.meta.url)(process.env.SHARDED_ADAPTER);
  const pub = new Redis(REDIS_URL);
  const sub = new Redis(REDIS_URL);
  pub.on('error', () => {});
  sub.on('error', () => {});
  adapter = createShardedAdapter(pub, sub, { channelPrefix: `${PREFIX}:sio`, subscriptionMode: 'dynamic' });
} else {
  adapter = streamsAdapter();
}

const app = uws.App();
const io = new Server({ transports: ['websocket'], serveClient: false, adapter, connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false } });
io.attachApp(app);
const client = io.of('/client');
const admin = io.of('/admin');
/** Cluster packets this node decoded: adapter messages (its own included), NATS messages, its stream's entries. */
let inbound = 0;
for (const nsp of [client, admin]) {
  const onMessage = nsp.adapter.onMessage;
  if (typeof onMessage === 'function') {
    nsp.adapter.onMessage = function (...args) {
      inbound++;
      return onMessage.apply(this, args);
    };
  }
}

// ---- the mechanisms: what the consuming node does with an event, and how a node takes interest in a room ----
const mechanisms = {
  // A control: the consuming node's own work (pull, validate, ack) with no fan-out at all.
  none: () => ({ emit() {}, async join(socket, room) { socket.join(room); } }),
  // Today and the sharded adapter: one emit per namespace; the adapter decides which nodes read it.
  streams: adapterMechanism,
  sharded: adapterMechanism,
  nats: () => natsMechanism({ flush: true }),
  // The same without waiting for the server to have the subscription: shows what the flush is for.
  'nats-noflush': () => natsMechanism({ flush: false }),
  registry: registryMechanism,
};
const mech = Object.hasOwn(mechanisms, MECH) ? mechanisms[MECH]() : undefined;
if (!mech) throw new Error(`unknown MECH ${MECH}`);

function adapterMechanism() {
  return {
    emit(event) {
      const { app_id, ...message } = event;
      client.to(conversationRoom(message.conversation_id)).emit('message:new', message);
      admin.to(appRoom(app_id)).emit('message:new', message);
    },
    async join(socket, room) {
      socket.join(room);
    },
  };
}

/** Subjects `<prefix>.room.conv.<id>` and `<prefix>.room.app.<id>`: a node subscribes while it holds a socket there. */
function natsMechanism({ flush }) {
  const subject = (nsp, room) => `${PREFIX}.room.${room.replace(':', '.')}`;
  const subs = new Map(); // `${nsp}|${room}` → Promise<Subscription>
  const deliver = (nsp, room) => (error, m) => {
    if (error) return;
    inbound++;
    const { app_id: _app, ...message } = m.json();
    nsp.local.to(room).emit('message:new', message);
  };
  for (const nsp of [client, admin]) {
    nsp.adapter.on('delete-room', (room) => {
      const key = `${nsp.name}|${room}`;
      const sub = subs.get(key);
      if (!sub) return;
      subs.delete(key);
      void sub.then((s) => s.unsubscribe());
    });
  }
  return {
    emit(event) {
      const payload = JSON.stringify(event);
      nc.publish(`${PREFIX}.room.conv.${event.conversation_id}`, payload);
      nc.publish(`${PREFIX}.room.app.${event.app_id}`, payload);
    },
    async join(socket, room) {
      const key = `${socket.nsp.name}|${room}`;
      let sub = subs.get(key);
      if (!sub) {
        // flush(): the server has the subscription before the join is acked, so nothing published after is missed.
        const s = nc.subscribe(subject(socket.nsp, room), { callback: deliver(socket.nsp, room) });
        sub = flush ? nc.flush().then(() => s) : Promise.resolve(s);
        subs.set(key, sub);
      }
      await sub;
      socket.join(room);
    },
  };
}

/** `<prefix>:interest:<room>` holds the ids of the nodes with a socket there; each node reads `<prefix>:node:<id>`. */
function registryMechanism() {
  const interestKey = (room) => `${PREFIX}:interest:${room}`;
  const nodeStream = (id) => `${PREFIX}:node:${id}`;
  const reader = new Redis(REDIS_URL);
  reader.on('error', () => {});
  const held = new Map(); // room → Promise of the SADD
  for (const nsp of [client, admin]) {
    nsp.adapter.on('delete-room', (room) => {
      if (!held.has(room)) return;
      held.delete(room);
      void redis.srem(interestKey(room), NODE_ID);
    });
  }
  let offset = '$';
  let reading = true;
  const poll = async () => {
    while (reading) {
      const res = await reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', nodeStream(NODE_ID), offset).catch(() => null);
      if (!res) continue;
      for (const [id, fields] of res[0][1]) {
        offset = id;
        inbound++;
        const { app_id, ...message } = JSON.parse(fields[1]);
        client.local.to(conversationRoom(message.conversation_id)).emit('message:new', message);
        admin.local.to(appRoom(app_id)).emit('message:new', message);
      }
    }
  };
  void poll();
  return {
    async emit(event) {
      const [[, a], [, b]] = await redis.pipeline().smembers(interestKey(conversationRoom(event.conversation_id))).smembers(interestKey(appRoom(event.app_id))).exec();
      const nodes = new Set([...a, ...b]);
      if (nodes.size === 0) return;
      const payload = JSON.stringify(event);
      const p = redis.pipeline();
      for (const node of nodes) p.xadd(nodeStream(node), 'MAXLEN', '~', 10_000, '*', 'e', payload);
      await p.exec();
    },
    async join(socket, room) {
      let added = held.get(room);
      if (!added) {
        added = redis.sadd(interestKey(room), NODE_ID);
        held.set(room, added);
      }
      await added;
      socket.join(room);
    },
    stop() {
      reading = false;
    },
  };
}

// ---- sockets: `join` with an ack stamped after the interest is registered ----
for (const nsp of [client, admin]) {
  nsp.on('connection', (socket) => {
    socket.on('join', async (room, ack) => {
      await mech.join(socket, room);
      ack({ at: now() });
    });
  });
}

// ---- the consuming node: the shared JetStream consumer, as the gateway's fan-out handler does ----
let consumed = 0;
let messages;
const take = async (data, ack, term) => {
  const parsed = MessageCreatedEvent.safeParse(data);
  if (!parsed.success) return term();
  const r = mech.emit(parsed.data);
  if (r) await r;
  ack();
  consumed++;
};
const pullMs = Number(process.env.PULL_MS ?? 0);
if (ROLE === 'consumer' && pullMs === 0) {
  // As the gateway: pull requests kept open, each event handled as it arrives.
  const consumer = await jetstream(nc).consumers.get(STREAM, DURABLE);
  messages = await consumer.consume({ max_messages: 500 });
  void (async () => {
    for await (const m of messages) await take(m.json(), () => m.ack(), () => m.term());
  })();
} else if (ROLE === 'consumer') {
  // PULL_MS: one `no_wait` pull request (JetStream's pull protocol on a core inbox) every PULL_MS ms, taking what
  // has accumulated (up to 500) in one burst: fewer wake-ups per event, at up to PULL_MS of added latency.
  const inbox = `_INBOX.${NODE_ID}.${process.pid}.pull`;
  let inFlight = false;
  let started = 0;
  nc.subscribe(inbox, {
    callback: (error, m) => {
      if (error) return;
      if (m.data.length === 0 || m.headers?.code) {
        inFlight = false; // 404 No Messages / 408: this pull is over
        return;
      }
      void take(JSON.parse(m.string()), () => m.respond('+ACK'), () => m.respond('+TERM'));
    },
  });
  const pull = () => {
    if (!inFlight || performance.now() - started > 1000) {
      inFlight = true;
      started = performance.now();
      nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${STREAM}.${DURABLE}`, JSON.stringify({ batch: 500, no_wait: true }), { reply: inbox });
    }
  };
  setInterval(pull, pullMs);
}

// ---- race.mjs: a flow of events emitted straight into the mechanism (no JetStream), each stamped first ----
const emitted = [];
let flowing;
const marks = {}; // conversation → the first seq emitted after the parent's `mark` (sent once the join was acked)
const flow = ({ conversation, perTick }) => {
  let seq = 0;
  const stop = { stopped: false, conversation, next: () => seq + 1 };
  const tick = async () => {
    if (stop.stopped) return;
    for (let i = 0; i < perTick; i++) {
      seq++;
      const at = now();
      emitted.push([conversation, seq, at]);
      const r = mech.emit(fakeEvent(conversation, seq, at));
      if (r) await r;
    }
    setTimeout(tick, 1);
  };
  void tick();
  return stop;
};
function fakeEvent(conversation, seq, at) {
  return {
    id: `m-${conversation}-${seq}`,
    local_id: `l-${seq}`,
    conversation_id: conversation,
    seq,
    body: String(at),
    sender: 'user',
    sender_id: 'd1',
    sender_name: null,
    created_at: new Date().toISOString(),
    status: 'sent',
    app_id: 'race-app',
  };
}

const port = await new Promise((resolve, reject) =>
  app.listen('127.0.0.1', 0, (token) => (token ? resolve(uws.us_socket_local_port(token)) : reject(new Error('listen failed')))),
);
process.on('message', async (msg) => {
  if (msg.cmd === 'cpu') process.send({ reply: msg.id, cpu: process.cpuUsage(), consumed, inbound });
  else if (msg.cmd === 'gc') {
    globalThis.gc?.();
    process.send({ reply: msg.id });
  }
  else if (msg.cmd === 'flow') {
    if (flowing) flowing.stopped = true;
    flowing = flow(msg);
    process.send({ reply: msg.id });
  } else if (msg.cmd === 'mark') {
    if (flowing) marks[flowing.conversation] = flowing.next();
    process.send({ reply: msg.id });
  } else if (msg.cmd === 'flow-stop') {
    if (flowing) flowing.stopped = true;
    process.send({ reply: msg.id, emitted, marks });
  } else if (msg.cmd === 'stop') {
    messages?.stop();
    mech.stop?.();
    process.exit(0);
  }
});
process.send({ ready: true, port });
