import type { Socket } from 'socket.io-client';
import type { AckResult, EventAckResult } from '@switchboard/protocol';
import { RequestError } from './errors.js';

/** The events of a map that take an ack with a result (every one but `ping`). */
export type AckedEvent<Events> = Exclude<keyof Events & string, 'ping'>;
/** What a successful ack of an event carries besides `success: true`. */
export type AckFields<F> = EventAckResult<F> extends void ? object : EventAckResult<F>;

export function closedError(): RequestError & { code: 'CLIENT_CLOSED' } {
  return new RequestError('CLIENT_CLOSED', 'the client is closed; make a new one') as RequestError & { code: 'CLIENT_CLOSED' };
}

/**
 * Events sent with an ack, each resolving with its successful ack or rejecting with a `RequestError` carrying the
 * ack's `code`; `closeAll()` rejects those still waiting (`CLIENT_CLOSED`). Socket.IO buffers an emit made while offline
 * and sends it once connected.
 */
export class AckRequests {
  readonly #socket: Socket;
  /** Rejecters of requests waiting for their ack, settled by `closeAll()`. */
  readonly #waiting = new Set<(error: Error) => void>();

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  request<T extends object>(event: string, payload: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.add(reject);
      // Socket.IO's typings cannot resolve a generic event's parameters; the caller's signature is the typed one.
      (this.#socket.emitWithAck(event, payload) as Promise<AckResult<T>>)
        .then((ack) => {
          if (!ack.success) throw new RequestError(ack.error.code, ack.error.message, event);
          resolve(ack);
        })
        .catch(reject)
        .finally(() => this.#waiting.delete(reject));
    });
  }

  closeAll(): void {
    for (const reject of this.#waiting) reject(closedError());
    this.#waiting.clear();
  }
}
