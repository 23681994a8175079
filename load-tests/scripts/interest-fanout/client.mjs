// Sockets for the interest fan-out benchmarks (forked by bench.mjs and race.mjs): one socket.io-client socket on a
// node's namespace; `join` through the node's mechanism; counts every `message:new` and keeps what race.mjs checks.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';

const { PORT, NSP = '/client' } = process.env;
const now = () => performance.timeOrigin + performance.now();
const socket = io(`http://127.0.0.1:${PORT}${NSP}`, { transports: ['websocket'], forceNew: true });
let count = 0;
const received = []; // [conversation, seq, receivedAt] for race.mjs
const keep = process.env.KEEP === '1';
socket.on('message:new', (m) => {
  count++;
  if (keep) received.push([m.conversation_id, m.seq, now()]);
});
await new Promise((resolve) => socket.once('connect', resolve));
process.on('message', async (msg) => {
  if (msg.cmd === 'join') {
    const ack = await socket.emitWithAck('join', msg.room);
    process.send({ reply: msg.id, at: ack.at });
  } else if (msg.cmd === 'join-many') {
    // Interest in many other rooms (the node's subscriptions), joined 100 at a time.
    for (let i = 0; i < msg.rooms; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, msg.rooms - i) }, (_, j) => socket.emitWithAck('join', `conv:other-${i + j}`)));
    }
    process.send({ reply: msg.id });
  } else if (msg.cmd === 'count') process.send({ reply: msg.id, count });
  else if (msg.cmd === 'received') process.send({ reply: msg.id, received });
  else if (msg.cmd === 'stop') {
    socket.close();
    process.exit(0);
  }
});
process.send({ ready: true });
