// Bare uWS server for run.sh: subscribes each socket to MODE's topics; on a line on stdin, a full GC then prints the
// glibc heap ([heap] RSS), VmRSS and V8 heap used as JSON.
const uws = require('uWebSockets.js');
const fs = require('fs');
const mode = process.argv[2];
let n = 0;
const app = uws.App().ws('/*', {
  maxBackpressure: 1 << 20,
  open: (ws) => {
    n++;
    if (mode === 'shared' || mode === 'unique3') ws.subscribe('/client');
    if (mode === 'unique3') { ws.subscribe('/client\x1f' + Math.random().toString(36).slice(2) + 'abcdefgh'); ws.subscribe('/client\x1fconv:' + (n % 1000)); }
  },
});
function stats() {
  global.gc();
  const smaps = fs.readFileSync('/proc/self/smaps', 'utf8').split('\n'); let brk = 0, cur = '';
  for (const l of smaps) { const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(l); if (m) { cur = m[1]; continue; } const r = /^Rss:\s+(\d+)/.exec(l); if (r && cur === '[heap]') brk += +r[1]; }
  const rss = +/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
  return { n, brkKb: brk, rssKb: rss, heapUsed: process.memoryUsage().heapUsed };
}
app.listen('127.0.0.1', 0, (t) => { console.log(JSON.stringify({ port: uws.us_socket_local_port(t) })); });
process.stdin.on('data', () => console.log(JSON.stringify(stats())));
