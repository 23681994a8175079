import type { Message } from '@switchboard/protocol';

/** One send as the SDK saw it. */
export interface SendRecord {
  readonly localId: string;
  readonly conversationId: string;
  /** The client that sent it (a device's id, or `agent-1`…). */
  readonly sender: string;
  readonly startedAt: number;
  ackedAt?: number;
  stored?: Message;
  error?: string;
}

/** A stored message as Postgres has it. */
export interface StoredRow {
  readonly id: string;
  readonly conversation_id: string;
  readonly seq: number;
  readonly local_id: string;
}

/** A client's deliveries: what it emitted as `message:new`, when. */
interface Deliveries {
  /** The conversations it must receive every message of. */
  readonly conversations: () => readonly string[];
  readonly received: { readonly message: Message; readonly at: number }[];
}

export interface CatchUp {
  /** Sends started before the reference moment. */
  readonly before: number;
  /** From the reference moment to the last of them stored and delivered to every client that must get it; 0 if all were done before it. */
  readonly caughtUpMs: number;
  /** The send that finished last (for a failure's message). */
  readonly last?: { readonly localId: string; readonly what: string };
}

/**
 * What the fleet sent and received, and the checks of the contract's guarantees against what Postgres stored:
 * every send the SDK reported stored is there exactly once (by `local_id`), no conversation's `seq` has a hole,
 * and every client has every message of its conversations exactly once, in `seq` order.
 */
export class Ledger {
  readonly sends = new Map<string, SendRecord>();
  readonly #clients = new Map<string, Deliveries>();

  /** Registers a client; `conversations` says which conversations it must receive in full. */
  client(name: string, conversations: () => readonly string[]): (message: Message) => void {
    const deliveries: Deliveries = { conversations, received: [] };
    this.#clients.set(name, deliveries);
    return (message) => void deliveries.received.push({ message, at: Date.now() });
  }

  get clientNames(): string[] {
    return [...this.#clients.keys()];
  }

  /** Records a send and its outcome. */
  track(sender: string, conversationId: string, localId: string, sending: Promise<Message>): void {
    const record: SendRecord = { localId, conversationId, sender, startedAt: Date.now() };
    this.sends.set(localId, record);
    sending.then(
      (message) => {
        record.ackedAt = Date.now();
        record.stored = message;
      },
      (error: unknown) => {
        record.error = (error as { code?: string }).code ?? String(error);
      },
    );
  }

  get pending(): number {
    let n = 0;
    for (const send of this.sends.values()) if (!send.stored && !send.error) n++;
    return n;
  }

  get failed(): SendRecord[] {
    return [...this.sends.values()].filter((send) => send.error !== undefined);
  }

  /** Whether every client has delivered every row of its conversations (the rows Postgres has now). */
  caughtUpWith(rows: readonly StoredRow[]): boolean {
    const last = new Map<string, number>();
    for (const row of rows) last.set(row.conversation_id, Math.max(last.get(row.conversation_id) ?? 0, row.seq));
    for (const client of this.#clients.values()) {
      const delivered = new Map<string, number>();
      for (const { message } of client.received) delivered.set(message.conversation_id, Math.max(delivered.get(message.conversation_id) ?? 0, message.seq));
      for (const conversationId of client.conversations()) if ((delivered.get(conversationId) ?? 0) < (last.get(conversationId) ?? 0)) return false;
    }
    return true;
  }

  /**
   * Every guarantee, as a list of violations (empty when all hold). `rows`: every message of the fleet's
   * conversations in Postgres.
   */
  violations(rows: readonly StoredRow[]): string[] {
    const problems: string[] = [];
    const byLocalId = new Map<string, StoredRow[]>();
    const byConversation = new Map<string, StoredRow[]>();
    for (const row of rows) {
      byLocalId.set(row.local_id, [...(byLocalId.get(row.local_id) ?? []), row]);
      byConversation.set(row.conversation_id, [...(byConversation.get(row.conversation_id) ?? []), row]);
    }
    for (const send of this.sends.values()) {
      const found = byLocalId.get(send.localId) ?? [];
      if (send.stored && found.length !== 1) problems.push(`send ${send.localId} (${send.sender}) reported stored, found ${found.length} times`);
      if (send.stored && found[0] && found[0].id !== send.stored.id) problems.push(`send ${send.localId}: acked as ${send.stored.id}, stored as ${found[0].id}`);
      if (!send.stored && found.length > 1) problems.push(`send ${send.localId} (not acked) stored ${found.length} times`);
    }
    for (const [localId, found] of byLocalId) {
      if (found.length > 1) problems.push(`local_id ${localId} stored ${found.length} times`);
      if (!this.sends.has(localId)) problems.push(`local_id ${localId} stored but never sent`);
    }
    for (const [conversationId, found] of byConversation) {
      const seqs = found.map((row) => row.seq).sort((a, b) => a - b);
      const hole = seqs.findIndex((seq, i) => seq !== i + 1);
      if (hole !== -1) problems.push(`conversation ${conversationId}: seq ${hole + 1} missing (has ${seqs[hole]})`);
    }
    for (const [name, client] of this.#clients) {
      for (const conversationId of client.conversations()) {
        const expected = (byConversation.get(conversationId) ?? []).map((row) => row.id);
        const got = client.received.filter((d) => d.message.conversation_id === conversationId).map((d) => d.message);
        const seqs = got.map((m) => m.seq);
        const inOrder = seqs.every((seq, i) => seq === i + 1);
        const same = got.length === expected.length && got.every((m, i) => m.id === expected[i]);
        if (!inOrder || !same) {
          problems.push(`${name}, conversation ${conversationId}: got ${got.length} of ${expected.length}, seqs ${summarise(seqs)}`);
        }
      }
    }
    return problems;
  }

  /**
   * How long after `reference` the fleet was caught up: every send started before it stored (acked to its sender)
   * and delivered to every client that must receive it.
   */
  catchUp(reference: number): CatchUp {
    const deliveredAt = this.#deliveredAt();
    let before = 0;
    let latest = reference;
    let last: CatchUp['last'];
    for (const send of this.sends.values()) {
      if (send.startedAt >= reference || !send.stored) continue;
      before++;
      const done = (at: number, what: string) => {
        if (at > latest) {
          latest = at;
          last = { localId: send.localId, what };
        }
      };
      done(send.ackedAt!, `acked to ${send.sender}`);
      for (const [name, client] of this.#clients) {
        if (!client.conversations().includes(send.conversationId)) continue;
        done(deliveredAt.get(name)!.get(send.stored.id) ?? Number.POSITIVE_INFINITY, `delivered to ${name}`);
      }
    }
    return { before, caughtUpMs: latest - reference, ...(last ? { last } : {}) };
  }

  /**
   * The late sends: those that took longer than `lateMs` from their start to stored and delivered to every client
   * that must get it. `lastDoneAt`: when the last of them was done (0 if none was late); `slowestMs`: the slowest.
   */
  lateSends(lateMs: number): { count: number; lastDoneAt: number; slowestMs: number } {
    const deliveredAt = this.#deliveredAt();
    let count = 0;
    let lastDoneAt = 0;
    let slowestMs = 0;
    for (const send of this.sends.values()) {
      if (!send.stored) continue;
      let done = send.ackedAt!;
      for (const [name, client] of this.#clients) {
        if (client.conversations().includes(send.conversationId)) done = Math.max(done, deliveredAt.get(name)!.get(send.stored.id) ?? Number.POSITIVE_INFINITY);
      }
      slowestMs = Math.max(slowestMs, done - send.startedAt);
      if (done - send.startedAt > lateMs) {
        count++;
        lastDoneAt = Math.max(lastDoneAt, done);
      }
    }
    return { count, lastDoneAt, slowestMs };
  }

  /** When each late send (see `lateSends`) was done: acked and delivered everywhere. */
  lateSendDoneTimes(lateMs: number): number[] {
    const deliveredAt = this.#deliveredAt();
    const times: number[] = [];
    for (const send of this.sends.values()) {
      if (!send.stored) continue;
      let done = send.ackedAt!;
      for (const [name, client] of this.#clients) {
        if (client.conversations().includes(send.conversationId)) done = Math.max(done, deliveredAt.get(name)!.get(send.stored.id) ?? Number.POSITIVE_INFINITY);
      }
      if (done - send.startedAt > lateMs) times.push(done);
    }
    return times;
  }

  /** The p99 of how long the sends started before `before` took to be stored and delivered everywhere: the run's steady state. */
  steadyP99(before: number): number {
    const deliveredAt = this.#deliveredAt();
    const took: number[] = [];
    for (const send of this.sends.values()) {
      if (send.startedAt >= before || !send.stored) continue;
      let done = send.ackedAt!;
      for (const [name, client] of this.#clients) {
        if (client.conversations().includes(send.conversationId)) done = Math.max(done, deliveredAt.get(name)!.get(send.stored.id) ?? Number.POSITIVE_INFINITY);
      }
      took.push(done - send.startedAt);
    }
    took.sort((a, b) => a - b);
    return took.length ? took[Math.min(took.length - 1, Math.floor(took.length * 0.99))]! : 0;
  }

  /**
   * The first delivery after `moment` to a client other than the sender of a message sent before `moment`: when the
   * backlog started to flow again (the rest of the catch-up is its draining).
   */
  firstBacklogDelivery(moment: number): number | undefined {
    let first: number | undefined;
    for (const [name, client] of this.#clients) {
      for (const { message, at } of client.received) {
        const send = this.sends.get(message.local_id);
        if (at < moment || !send || send.sender === name || send.startedAt >= moment) continue;
        if (first === undefined || at < first) first = at;
      }
    }
    return first;
  }

  /** Client → message id → its first delivery. */
  #deliveredAt(): Map<string, Map<string, number>> {
    const byClient = new Map<string, Map<string, number>>();
    for (const [name, client] of this.#clients) {
      const at = new Map<string, number>();
      for (const d of client.received) if (!at.has(d.message.id)) at.set(d.message.id, d.at);
      byClient.set(name, at);
    }
    return byClient;
  }
}

/** `1-40, 42-50` for a sequence of numbers, so a failure's message stays short. */
function summarise(seqs: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < seqs.length) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
    parts.push(i === j ? `${seqs[i]}` : `${seqs[i]}-${seqs[j]}`);
    i = j + 1;
  }
  return parts.length > 12 ? `${parts.slice(0, 6).join(', ')} … ${parts.slice(-6).join(', ')}` : parts.join(', ');
}
