/**
 * The pgbench script of one send batch: the statements `sendMessages` (services/messages/src/use-cases/messages.ts,
 * `repositories/send-batch.ts`) sends for `batch` new messages to `batch` different conversations, in one
 * transaction, as the service's group commit does: begin, lock, look the `local_id`s up, the one write, commit.
 *
 * What differs from the service, and why: pgbench cannot carry a query's answer into the next statement (only a
 * one-row `\gset`), so `seq` and `side_seq` are random numbers instead of `last_seq + 1` (the same statements and
 * rows, the same unique indexes; a collision would abort a transaction and is counted as failed), and the
 * conversation ids are the digits `1` … `nconv`. The NOTIFY after the commit (one per several batches) and the outbox
 * relay's reads and deletes are left out: this is the send transaction alone. The values go inline (`-M simple`,
 * hence the quotes around text variables) where the service binds parameters: pgbench's extended protocol takes at
 * most 255 per statement, fewer than the one write of a batch of 16 needs.
 *
 * Variables given with `-D`: `nconv` (conversations seeded), `stride` (`nconv / batch`, so a batch's conversations
 * are distinct), `body`, `sender_id`, `subject`, `payload` (a `message.created` payload of the usual size).
 */
export function sendBatchScript(batch: number): string {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`the batch must be a positive integer (got ${batch})`);
  const ks = Array.from({ length: batch }, (_, i) => i + 1);
  const list = (row: (k: number) => string) => ks.map(row).join(', ');
  return [
    `-- One send batch of ${batch} messages (load-tests/src/pgbench/send-batch-script.ts generates it).`,
    '\\set start random(0, :nconv - 1)',
    ...ks.map((k) => `\\set c${k} 1 + (:start + ${k - 1} * :stride) % :nconv`),
    ...ks.map((k) => `\\set m${k} random(1, 9223372036854775806)`),
    ...ks.map((k) => `\\set l${k} random(1, 9223372036854775806)`),
    ...ks.map((k) => `\\set s${k} random(1, 2147483646)`),
    'begin;',
    'select id, app_id, device_id, user_id, status, last_seq, user_message_count, agent_message_count, user_read_seq, agent_read_seq, ' +
      `now() as now from conversations where id in (${list((k) => `':c${k}'`)}) order by id for update;`,
    `select * from messages where (conversation_id, local_id) in (${list((k) => `(':c${k}', ':l${k}')`)});`,
    'with inserted as (insert into messages (id, conversation_id, seq, local_id, body, sender, side_seq, sender_id, sender_name) values ' +
      list((k) => `(':m${k}', ':c${k}', :s${k}, ':l${k}', ':body', ':sender', :s${k}, ':sender_id', null)`) +
      '), updated as (update conversations as c set last_seq = v.seq, last_message_id = v.message_id, updated_at = now(), ' +
      "last_message_at = now(), activity = nextval('conversation_activity_seq'), user_message_count = v.user_count, " +
      "agent_message_count = v.agent_count, status = case when v.reopen then 'open' else c.status end, " +
      'snoozed_until = case when v.reopen then null else c.snoozed_until end from (values ' +
      list((k) => `(':c${k}'::text, :s${k}::integer, ':m${k}'::text, :s${k}::integer, 0::integer, false::boolean)`) +
      ') as v(id, seq, message_id, user_count, agent_count, reopen) where c.id = v.id returning c.*, v.reopen as reopened), ' +
      `queued as (insert into outbox (subject, msg_id, conversation_id, payload) values ${list((k) => `(':subject', ':m${k}', ':c${k}', ':payload')`)}) ` +
      'select * from updated where reopened;',
    'commit;',
    '',
  ].join('\n');
}

/** The `-D` values of the script besides `nconv` and `stride`: a message and its event of the usual sizes. */
export function sendBatchVariables(appId: string): Record<string, string> {
  const body = `${Date.now()} throughput 0-12345`;
  const payload = {
    id: 'msg_019aee6e3f3a7b2c9d4e5f60718293a4',
    local_id: 'throughput-0-12345',
    conversation_id: 'conv_019aee6e3f3a7b2c9d4e5f60718293a5',
    seq: 12345,
    body,
    sender: 'user',
    sender_id: 'dev_e2e_0001',
    sender_name: null,
    created_at: new Date().toISOString(),
    status: 'sent',
    app_id: appId,
  };
  return {
    body,
    sender: 'user',
    sender_id: 'dev_e2e_0001',
    subject: 'message.created',
    payload: JSON.stringify(payload),
    zero: '0',
    reopen: 'false',
  };
}
