// WebSocket clients for run.sh: node client.cjs PORT COUNT LOCAL_ADDRESS (50 handshakes in flight); prints "open N".
const WebSocket = require('ws');
const [port, count, host] = [process.argv[2], +process.argv[3], process.argv[4] ?? '127.0.0.2'];
let open = 0; const all = [];
function one() { return new Promise((res) => { const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { localAddress: host, perMessageDeflate: false }); ws.on('open', () => { open++; res(); }); ws.on('error', () => res()); all.push(ws); }); }
(async () => { for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, one)); console.log('open', open); })();
setTimeout(() => process.exit(0), 60000);
