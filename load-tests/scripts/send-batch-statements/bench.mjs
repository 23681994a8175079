// `node load-tests/scripts/send-batch-statements/bench.mjs BEFORE_DIST AFTER_DIST [N] [ITERATIONS]`: the messages
// service's CPU per batch of N messages for making and sending the send batch's statements, before change 15 of
// docs/performance.md (Kysely's builder, five statements; BEFORE_DIST is a build of services/messages at 1af6de2)
// and after it (SQL text, three statements; AFTER_DIST is services/messages/dist). No database: a driver that answers
// no rows, so only what the service does in JavaScript for the statements is measured (not the rows it reads back).
// Alternates before and after three times, after a warm-up of 300 batches each.
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
const [beforeDist, afterDist] = process.argv.slice(2, 4).map((p) => path.resolve(p));
if (!beforeDist || !afterDist) throw new Error('usage: bench.mjs BEFORE_DIST AFTER_DIST [N] [ITERATIONS]');
const N = Number(process.argv[4] ?? 16), ITER = Number(process.argv[5] ?? 5000);
const pool = { connect: async () => ({ query: async () => {
    return { rows: [], command: 'SELECT', rowCount: 0 }; }, release() {} }), end: async () => {} };
const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
const ids = Array.from({ length: N }, (_, i) => `conv_019aee6e3f3a7b2c9d4e5f6071829${String(i).padStart(3, '0')}`);
const msgs = ids.map((c, i) => ({ id: `msg_019aee6e3f3a7b2c9d4e5f60718293${i}`, conversation_id: c, seq: 100 + i, local_id: `l-${i}`, body: `body ${i}`, sender: 'user', side_seq: 50 + i, sender_id: 'dev', sender_name: null }));
const payload = JSON.stringify({ id: 'x'.repeat(36), local_id: 'l', conversation_id: 'c'.repeat(37), seq: 1, body: 'b'.repeat(30), sender: 'user', sender_id: 'dev', sender_name: null, created_at: new Date().toISOString(), status: 'sent', app_id: 'a'.repeat(36) });
const before = await import(`${beforeDist}/repositories/conversations.js`);
const beforeM = await import(`${beforeDist}/repositories/messages.js`);
const beforeO = await import(`${beforeDist}/repositories/outbox.js`);
const after = await import(`${afterDist}/repositories/send-batch.js`);
const latest = ids.map((c, i) => ({ conversationId: c, seq: 100 + i, messageId: msgs[i].id, userCount: 50 + i, agentCount: 0, reopen: false }));
const events = msgs.map((m) => ({ subject: 'message.created', msgId: m.id, conversationId: m.conversation_id, payload: JSON.parse(payload) }));
async function runBefore() {
  await before.lockConversations(db, ids);
  await beforeM.findMessagesByLocalIds(db, msgs.map((m) => ({ conversationId: m.conversation_id, localId: m.local_id })));
  await beforeM.insertMessages(db, msgs);
  await before.recordLatestMessages(db, latest);
  await beforeO.enqueueOutboxEvents(db, events);
}
async function runAfter() {
  await after.lockSendTargets(db, ids);
  await after.findStoredByLocalIds(db, msgs.map((m) => ({ conversationId: m.conversation_id, localId: m.local_id })));
  await after.writeSendBatch(db, msgs, latest, events);
}
for (const [name, fn] of [['before', runBefore], ['after', runAfter], ['before', runBefore], ['after', runAfter], ['before', runBefore], ['after', runAfter]]) {
  for (let i = 0; i < 300; i++) await fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < ITER; i++) await fn();
  const c = process.cpuUsage(c0);
  console.log(`${name}: ${((c.user + c.system) / ITER).toFixed(1)} µs CPU per batch of ${N} (${((c.user + c.system) / ITER / N).toFixed(1)} µs per message)`);
}
