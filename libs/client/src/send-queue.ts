import type { AckError, Message } from '@switchboard/protocol';
import type { ClientState, PendingSend } from './client-state.js';
import { SendError } from './errors.js';

export type { PendingSend } from './client-state.js';

/** The server's answer to one send; an `UNAVAILABLE`/`RATE_LIMITED` error may carry a hint. */
export type SendAck =
  | { success: true; message: Message }
  | { success: false; error: AckError & { retry_after_ms?: number; fields?: readonly { path: string; message: string }[] } };

/** Sends one message over the socket and resolves with the ack (rejects on timeout or transport loss). */
export type Transmit = (pending: PendingSend) => Promise<SendAck>;

/**
 * Errors worth retrying: the service is down or busy (`UNAVAILABLE`, `RATE_LIMITED`: a short, capped delay while
 * connected), failed unexpectedly (`INTERNAL`: the usual backoff), or the socket's token just expired
 * (`TOKEN_EXPIRED`: the gateway is ending that connection, and the send goes again on the next one, with a new
 * token). Every other code is final: the send fails alone and the queue moves on.
 */
const RETRY_SOON = new Set(['UNAVAILABLE', 'RATE_LIMITED']);
const RETRY_LATER = new Set(['INTERNAL', 'TOKEN_EXPIRED']);
/** A send in flight at this many drops in a row is sent alone from then on (see `SendQueue`). */
const SUSPECT_AFTER_DROPS = 2;

export interface SendQueueOptions {
  readonly state: ClientState;
  readonly transmit: Transmit;
  /** Delay before retry number `attempt` (from 0) after an ack timeout or an `INTERNAL` error. */
  readonly retryDelay: (attempt: number) => number;
  /**
   * Delay before retry number `attempt` after `UNAVAILABLE` or `RATE_LIMITED`, given the server's hint if it sent
   * one. The socket is up, so the service is back as soon as it answers: keep it short. @default retryDelay
   */
  readonly unavailableDelay?: (attempt: number, hintMs: number | undefined) => number;
  /**
   * A send in flight when the connection dropped this many times in a row is given up (`CONNECTION_LOST`): it is
   * presumably what kills the connection. @default 3
   */
  readonly maxDrops?: number;
  /** Called for every send that fails for good (its promise rejects too). */
  readonly onFailed?: (error: SendError) => void;
  /** Called with every acknowledged message, also for sends left by a previous instance. */
  readonly onSent?: (message: Message) => void;
  readonly newLocalId?: () => string;
}

interface Lane {
  readonly items: PendingSend[];
  running: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  attempt: number;
}

/**
 * Sends each conversation's messages in order, one at a time, retrying each until the server acknowledged it;
 * conversations proceed independently, so one that waits does not hold up another. Every retry carries the same
 * `local_id`, so the server stores the message once however often it is sent. While offline (`pause()`), sends
 * wait in the store; `resume()` flushes them.
 *
 * A send in flight when the connection dropped counts the drop. One drop proves nothing (a server restarting, a
 * network change), so after it everything goes again at once; a send that was in flight at two drops in a row is
 * suspect, and suspects are sent alone, one at a time, so that a send that keeps killing the connection is found,
 * counted and given up after `maxDrops` without taking the others with it. (Before, every send in flight at a single
 * drop was sent alone: an agent with 20 conversations in flight waited 20 round trips after each reconnect.)
 */
export class SendQueue {
  readonly #options: SendQueueOptions;
  readonly #waiters = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  readonly #lanes = new Map<string, Lane>();
  /** Drops in a row seen with each send in flight. */
  readonly #drops = new Map<string, number>();
  /** Sends transmitted on the current connection and not answered yet. */
  readonly #inFlight = new Set<string>();
  #online = false;
  #closed = false;
  /** Bumped on each pause: answers from an earlier connection are ignored. */
  #epoch = 0;
  readonly #loaded: Promise<void>;

  constructor(options: SendQueueOptions) {
    this.#options = options;
    this.#loaded = options.state.loadSends().then(
      (items) => {
        for (const item of items) this.#lane(item.conversationId).items.push(item);
      },
      () => {}, // an unreadable store starts empty
    );
  }

  /** Queues a message and resolves with the stored one once acknowledged. */
  async send(conversationId: string, body: string, localId?: string): Promise<Message> {
    await this.#loaded;
    if (this.#closed) throw closedError(conversationId, localId, false);
    const pending: PendingSend = {
      conversationId,
      body,
      localId: localId ?? this.#options.newLocalId?.() ?? globalThis.crypto.randomUUID(),
      createdAt: Date.now(),
    };
    await this.#options.state.saveSend(pending);
    if (this.#closed) throw closedError(conversationId, pending.localId, this.#options.state.durable);
    const result = new Promise<Message>((resolve, reject) => this.#waiters.set(pending.localId, { resolve, reject }));
    this.#lane(conversationId).items.push(pending);
    this.#pumpAll();
    return result;
  }

  /** Messages not yet acknowledged, oldest first. */
  get pending(): readonly PendingSend[] {
    return [...this.#lanes.values()].flatMap((lane) => lane.items).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The connection is up: send what waits. */
  resume(): void {
    if (this.#closed) return;
    this.#online = true;
    void this.#loaded.then(() => this.#pumpAll());
  }

  /**
   * The connection is down: stop sending. Sends that were in flight count a drop (too many in a row and they fail),
   * unless it was not theirs to count (`dropped: false`): the client went offline on purpose, or the server
   * announced the close (`server:shutdown`).
   */
  pause(options: { dropped?: boolean } = {}): void {
    this.#online = false;
    this.#epoch++;
    for (const lane of this.#lanes.values()) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.running = false;
    }
    const maxDrops = this.#options.maxDrops ?? 3;
    if (options.dropped === false) this.#inFlight.clear();
    for (const localId of this.#inFlight) {
      const drops = (this.#drops.get(localId) ?? 0) + 1;
      this.#drops.set(localId, drops);
      if (drops < maxDrops) continue;
      const pending = this.pending.find((p) => p.localId === localId);
      if (pending) {
        const error = { code: 'CONNECTION_LOST' as const, message: `the connection dropped right after this send ${drops} times in a row` };
        void this.#settle(pending, new SendError(error, { conversationId: pending.conversationId, localId }));
      }
    }
    this.#inFlight.clear();
  }

  /**
   * Rejects every waiting promise with `CLIENT_CLOSED` (the client is closing). A durable store keeps the sends for
   * the next instance; any other store drops them.
   */
  close(): void {
    this.pause({ dropped: false });
    this.#closed = true;
    const kept = this.#options.state.durable;
    for (const lane of this.#lanes.values()) {
      for (const pending of lane.items) {
        if (!kept) void this.#options.state.removeSend(pending.localId).catch(() => {});
        const waiter = this.#waiters.get(pending.localId);
        waiter?.reject(closedError(pending.conversationId, pending.localId, kept));
      }
    }
    this.#waiters.clear();
    this.#lanes.clear();
  }

  #lane(conversationId: string): Lane {
    let lane = this.#lanes.get(conversationId);
    if (!lane) this.#lanes.set(conversationId, (lane = { items: [], running: false, timer: undefined, attempt: 0 }));
    return lane;
  }

  /**
   * Starts every lane that can go. While a suspect (a send in flight at two drops in a row) waits, it alone is sent:
   * its lane first, the others once it was answered.
   */
  #pumpAll(): void {
    if (!this.#online || this.#closed) return;
    const lanes = [...this.#lanes.values()].filter((lane) => lane.items.length > 0);
    const suspectAt = Math.min(SUSPECT_AFTER_DROPS, this.#options.maxDrops ?? 3);
    const suspects = lanes.filter((lane) => (this.#drops.get(lane.items[0]!.localId) ?? 0) >= suspectAt);
    if (suspects.length > 0) {
      if (lanes.some((lane) => lane.running)) return;
      const worst = suspects.sort((a, b) => this.#drops.get(b.items[0]!.localId)! - this.#drops.get(a.items[0]!.localId)!)[0]!;
      if (!worst.timer) this.#pump(worst);
      return;
    }
    for (const lane of lanes) if (!lane.running && !lane.timer) this.#pump(lane);
  }

  #pump(lane: Lane): void {
    const next = lane.items[0];
    if (!next) return;
    lane.running = true;
    const epoch = this.#epoch;
    this.#inFlight.add(next.localId);
    const answered = () => {
      if (epoch !== this.#epoch) return false; // the connection this was sent on is gone; pause() took over
      this.#inFlight.delete(next.localId);
      lane.running = false;
      return true;
    };
    this.#options.transmit(next).then(
      (ack) => {
        if (!answered()) return;
        this.#drops.delete(next.localId);
        if (ack.success) return void this.#settle(next, ack.message);
        const { code } = ack.error;
        if (RETRY_SOON.has(code)) {
          const delay = (this.#options.unavailableDelay ?? this.#options.retryDelay)(lane.attempt, ack.error.retry_after_ms);
          return this.#retry(lane, delay);
        }
        if (RETRY_LATER.has(code)) return this.#retry(lane, this.#options.retryDelay(lane.attempt));
        void this.#settle(next, new SendError(ack.error, { conversationId: next.conversationId, localId: next.localId }));
      },
      () => {
        if (!answered()) return;
        // An ack timeout on a live connection: the server may be slow; the same local_id makes the retry safe.
        this.#retry(lane, this.#options.retryDelay(lane.attempt));
      },
    );
  }

  #retry(lane: Lane, delayMs: number): void {
    lane.attempt++;
    if (!this.#online) return; // resume() starts again
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.#pumpAll();
    }, delayMs);
    this.#pumpAll(); // a suspect answered: the other lanes may go
  }

  async #settle(pending: PendingSend, outcome: Message | SendError): Promise<void> {
    const lane = this.#lanes.get(pending.conversationId);
    if (lane) {
      const index = lane.items.findIndex((p) => p.localId === pending.localId);
      if (index >= 0) lane.items.splice(index, 1);
      lane.attempt = 0;
      if (lane.items.length === 0 && !lane.timer && !lane.running) this.#lanes.delete(pending.conversationId);
    }
    this.#drops.delete(pending.localId);
    const waiter = this.#waiters.get(pending.localId);
    this.#waiters.delete(pending.localId);
    if (outcome instanceof SendError) {
      waiter?.reject(outcome);
      this.#options.onFailed?.(outcome);
    } else {
      waiter?.resolve(outcome);
      this.#options.onSent?.(outcome);
    }
    this.#pumpAll();
    await this.#options.state.removeSend(pending.localId).catch(() => {});
  }
}

function closedError(conversationId: string, localId: string | undefined, kept: boolean): SendError {
  const message = kept ? 'the client was closed; the send stays in the store for the next instance' : 'the client was closed before the send was acknowledged';
  return new SendError({ code: 'CLIENT_CLOSED', message }, { conversationId, ...(localId ? { localId } : {}), kept });
}
