#!/usr/bin/env node
/**
 * `node load-tests/scripts/messages-profile-parts/parts.mjs FILE.cpuprofile FROM,TO [TOP]`: the messages service's
 * `--cpu-prof` samples between FROM and TO seconds after the profile started, split by part of the send path.
 * A sample belongs to the part of our code on its stack (any file outside node_modules: services/*, libs/*, or a copy of a build given to --messages-main) that comes first in `OURS` (the
 * relay before the database path under it, the rate limiters before the middleware that calls them), or, with
 * none of ours on it (Koa's respond, pg parsing a reply, a socket write), to the innermost library or Node frame. Shares are of the non-idle samples; the top self-time functions follow.
 */
import { readFileSync } from 'node:fs';

const [file, windowText, topText] = process.argv.slice(2);
if (!file || !windowText) {
  console.error('usage: parts.mjs FILE.cpuprofile FROM,TO [TOP]');
  process.exit(2);
}
const [from, to] = windowText.split(',').map(Number);
const top = Number(topText ?? 12);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Our code: [pattern on the URL, part]; first match wins. */
const OURS = [
  [/\/outbox\/|repositories\/outbox/, 'outbox relay (JetStream publish, delete)'],
  [/send-batch|use-cases\/messages|repositories\/|db\/postgres|domain\/mappers/, 'send batch: our code and pg/Kysely under it'],
  [/rate-limit|fail-open|window-counter/, 'rate limiters (per caller, per address)'],
  [/http\/auth|authenticator|\/identity\/|domain\/secrets/, 'requireAuth (headers, ids, api key hash)'],
  [/http\/routes\/|validate|libs\/protocol|protocol\/dist/, 'route handler and body validation (zod)'],
  [/json-body/, 'jsonBody (read and JSON.parse)'],
  [/address-limits|client-address/, 'addressLimits'],
  [/cors/, 'CORS'],
  [/error-middleware/, 'errorMiddleware'],
  [/request-context/, 'requestContext (id, histogram)'],
];
/** Libraries and Node, when none of our frames is on the stack. */
const LIBS = [
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|kysely)\//, 'pg and Kysely (replies, pool) outside our frames'],
  [/node_modules\/@nats-io\//, 'outbox relay (JetStream publish, delete)'],
  [/node_modules\/(koa|koa-compose|@koa\/router|delegates|on-finished|statuses|vary|accepts|type-is|content-type|http-errors|cookies|fresh|koa-convert|encodeurl|escape-html|only|depd|destroy|path-to-regexp|mime-types|negotiator)\//, 'Koa: context, respond, router'],
  [/node_modules\/@koa\/cors/, 'CORS'],
  [/node_modules\/zod\//, 'route handler and body validation (zod)'],
  [/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//, 'logging (pino)'],
  [/node_modules\/(prom-client|tdigest|bintrees)\//, 'metrics (prom-client)'],
  [/node_modules\/ioredis|node_modules\/@ioredis|node_modules\/redis-parser/, 'Redis (ioredis)'],
  [/^node:/, 'Node: HTTP server and sockets (parser, headers, writes), streams, timers'],
];

const partOf = (leafId) => {
  let lib;
  let best = OURS.length;
  let other;
  for (let id = leafId; id !== undefined; id = parent.get(id)) {
    const { url } = byId.get(id).callFrame;
    if (!url) continue;
    if (url.startsWith('file://') && !url.includes('/node_modules/')) {
      const i = OURS.findIndex(([re]) => re.test(url));
      if (i >= 0) best = Math.min(best, i);
      else other ??= `other code of ours (${url.replace(/^.*\/dist\//, '')})`;
      continue;
    }
    if (!lib) for (const [re, part] of LIBS) if (re.test(url)) { lib = part; break; }
  }
  if (best < OURS.length) return OURS[best][1];
  return other ?? lib ?? 'native, not under any JavaScript frame';
};

let t = profile.startTime;
const parts = new Map();
const self = new Map();
let busy = 0;
let all = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const at = (t - profile.startTime) / 1e6;
  if (at < from || at > to) continue;
  all++;
  const node = byId.get(profile.samples[i]);
  const fn = node.callFrame.functionName;
  if (fn === '(idle)') continue;
  busy++;
  const part = fn === '(garbage collector)' ? 'garbage collection' : fn === '(program)' ? '(program): V8 and native, no JavaScript frame' : partOf(node.id);
  parts.set(part, (parts.get(part) ?? 0) + 1);
  const key = `${fn || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(services|libs)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
const pct = (n) => `${((100 * n) / busy).toFixed(1).padStart(5)} %`;
console.log(`${busy} non-idle samples of ${all} in ${from}–${to} s`);
for (const [part, n] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`${pct(n)}  ${part}`);
console.log('top self time:');
for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${key}`);
