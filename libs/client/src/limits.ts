/**
 * The contract's limits the SDK checks before sending. They mirror `LIMITS` and the patterns of `libs/protocol`
 * (kept there next to their zod schemas, which a browser bundle must not pull in); `limits.test.ts` keeps both
 * equal.
 */
export const SEND_LIMITS = Object.freeze({
  /** Message body length in Unicode code points. */
  bodyMaxChars: 10_000,
  /** The gateway's `MAX_PAYLOAD_BYTES` default: a larger frame makes it close the connection. */
  maxPayloadBytes: 65_536,
});
export const LOCAL_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/** What one failing field of a send looks like (the shape of the server's `VALIDATION_FAILED` fields). */
export interface SendProblem {
  readonly path: string;
  readonly message: string;
}

/** Bytes the Socket.IO packet of a send takes beyond its JSON payload: `42/client,<ack id>["message:send",…]`. */
const FRAME_OVERHEAD_BYTES = 64;

/**
 * Checks a send against the contract before it is queued: the conversation id, `local_id`, the body (1–10,000
 * characters, not blank, no NUL) and the size of the frame that would carry it (a frame over the server's
 * `maxPayload` closes the connection instead of being refused). Returns the problems, none when it may be sent.
 */
export function checkSend(
  send: { conversationId: string; localId: string; body: string },
  maxPayloadBytes: number,
): SendProblem[] {
  const problems: SendProblem[] = [];
  if (typeof send.conversationId !== 'string' || !ID_PATTERN.test(send.conversationId)) {
    problems.push({ path: 'conversation_id', message: 'must be an id' });
  }
  if (typeof send.localId !== 'string' || !LOCAL_ID_PATTERN.test(send.localId)) {
    problems.push({ path: 'local_id', message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' });
  }
  if (typeof send.body !== 'string') {
    problems.push({ path: 'body', message: 'must be a string' });
    return problems;
  }
  if (send.body.trim().length === 0) problems.push({ path: 'body', message: 'must not be blank' });
  if (send.body.includes('\u0000')) problems.push({ path: 'body', message: 'must not contain the NUL character (U+0000)' });
  if (codePoints(send.body) > SEND_LIMITS.bodyMaxChars) {
    problems.push({ path: 'body', message: `must be at most ${SEND_LIMITS.bodyMaxChars} characters` });
  }
  if (problems.length === 0) {
    const payload = JSON.stringify(['message:send', { conversation_id: send.conversationId, body: send.body, local_id: send.localId }]);
    const bytes = new TextEncoder().encode(payload).length + FRAME_OVERHEAD_BYTES;
    if (bytes > maxPayloadBytes) {
      problems.push({ path: 'body', message: `makes a frame of ${bytes} bytes, over the server's limit of ${maxPayloadBytes}` });
    }
  }
  return problems;
}

function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}
