import type { Kysely } from 'kysely';
import { EVENTS_STREAM, SUBJECTS } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import type { Database } from '../src/db/schema.js';
import { readStream, request, type StreamEntry } from './harness.js';

/** Puts conversations to sleep until `until`, as a PATCH would have (without its event: the tests count the wake-up's). */
export async function snoozeUntil(db: Kysely<Database>, ids: readonly string[], until: Date): Promise<void> {
  await db.updateTable('conversations').set({ status: 'snoozed', snoozed_until: until }).where('id', 'in', ids).execute();
}

/**
 * The `conversation.updated` events of these conversations on the `EVENTS` stream, by conversation, once the
 * outbox holds none of theirs any more (the relay published every one written so far).
 */
export async function publishedUpdates(
  db: Kysely<Database>,
  natsUrl: string,
  ids: readonly string[],
  timeoutMs = 10_000,
): Promise<Map<string, StreamEntry[]>> {
  await waitFor(
    async () => {
      const left = await db
        .selectFrom('outbox')
        .select('id')
        .where('subject', '=', SUBJECTS.conversationUpdated)
        .where('conversation_id', 'in', ids)
        .execute();
      return left.length === 0;
    },
    { message: 'conversation.updated events published', timeoutMs },
  );
  const wanted = new Set(ids);
  const byConversation = new Map<string, StreamEntry[]>(ids.map((id) => [id, []]));
  const entries = await readStream(natsUrl, EVENTS_STREAM.name).catch(() => []);
  for (const entry of entries) {
    const id: string | undefined = entry.data?.conversation?.id;
    if (entry.subject === SUBJECTS.conversationUpdated && id !== undefined && wanted.has(id)) byConversation.get(id)!.push(entry);
  }
  return byConversation;
}

/** The value of an unlabelled counter or gauge in a service's `/metrics`. */
export async function metricValue(serviceUrl: string, name: string): Promise<number> {
  const text: string = (await request(serviceUrl, 'GET', '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}
