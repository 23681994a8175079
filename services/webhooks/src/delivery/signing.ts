import { Webhook } from 'standardwebhooks';
import { WEBHOOK_HEADERS } from '@switchboard/protocol';

/**
 * The Standard Webhooks headers of one attempt, signed with the `standardwebhooks` package (the key is the decoded
 * base64 after `whsec_`): `webhook-signature: v1,<base64 HMAC-SHA256(id.timestamp.body)>`. The id is the event's,
 * the same on every retry; the timestamp is the attempt's.
 */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(Math.floor(at.getTime() / 1000)),
    [WEBHOOK_HEADERS.signature]: new Webhook(secret).sign(id, at, body),
  };
}
