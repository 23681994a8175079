import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

/** What the fan-out does with a message it pulled: the part of nats.js's `JsMsg` it uses. */
export interface PulledMsg {
  readonly subject: string;
  json(): unknown;
  ack(): void;
  /** Back to the consumer, redelivered after `millis`. */
  nak(millis?: number): void;
  term(): void;
}

export interface NoWaitPuller {
  /**
   * One `no_wait` pull of up to `batch` messages: the server sends what has accumulated at once and ends the pull
   * (a 404/408 status) when it has fewer. Resolves with the count handled once the pull ended, the batch is full or
   * `waitMs` passed (NATS 2.9 now and then leaves a pull without its status; messages arriving after that are
   * still handled, by the inbox's callback).
   */
  pull(batch: number, waitMs: number): Promise<number>;
  /** Unsubscribes the inbox; call once no pull is in hand. */
  close(): void;
}

/**
 * JetStream's pull protocol on a core inbox, for the pulls nats.js does not offer (`fetch` wants `expires` ≥ 1 s and
 * keeps the pull open until then, handing each message over as it comes). Acks, naks and terms answer on each
 * message's reply subject, as nats.js does.
 */
export function createNoWaitPuller(nc: NatsConnection, stream: string, durable: string, handle: (m: PulledMsg) => void): NoWaitPuller {
  const inbox = createInbox();
  const nextSubject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`;
  let current: { count: number; batch: number; end: () => void } | undefined;
  const subscription = nc.subscribe(inbox, {
    callback: (error, m) => {
      if (error) return;
      if (m.data.length === 0 && m.headers?.code) {
        // 404 No Messages, 408 Request Timeout, 409: this pull is over.
        current?.end();
        return;
      }
      handle(pulled(m));
      if (current && ++current.count >= current.batch) current.end();
    },
  });
  return {
    pull(batch, waitMs) {
      return new Promise<number>((resolve) => {
        const state = {
          count: 0,
          batch,
          end: () => {
            clearTimeout(timer);
            if (current === state) current = undefined;
            resolve(state.count);
          },
        };
        current = state;
        const timer = setTimeout(state.end, waitMs);
        nc.publish(nextSubject, JSON.stringify({ batch, no_wait: true }), { reply: inbox });
      });
    },
    close: () => subscription.unsubscribe(),
  };
}

function pulled(m: Msg): PulledMsg {
  return {
    subject: m.subject,
    json: () => m.json(),
    ack: () => void m.respond('+ACK'),
    nak: (millis) => void m.respond(millis === undefined ? '-NAK' : `-NAK ${JSON.stringify({ delay: millis * 1_000_000 })}`),
    term: () => void m.respond('+TERM'),
  };
}
