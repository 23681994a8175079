import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@switchboard/testing';
import { WEBHOOK_METRICS } from '../src/delivery/delivery-engine.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { addEndpoint, deliveriesOf, startEngineHarness, type EngineHarness } from './support/engine-harness.js';

let h: EngineHarness;
let receiver: Receiver;

beforeAll(async () => {
  // Production settings: https only, public addresses only.
  h = await startEngineHarness({ allowInsecure: false, retryScheduleMs: [100] });
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.[Symbol.asyncDispose]();
  await h?.[Symbol.asyncDispose]();
});

describe('webhooks delivery engine without WEBHOOKS_ALLOW_INSECURE', () => {
  it('targets - loopback, private, metadata and http:// endpoints are refused at send time, never reached, and counted', async () => {
    const app = await h.stack.createApp('ssrf');
    const port = new URL(receiver.url).port;
    const urls = [
      receiver.url, // http://127.0.0.1:port
      `https://127.0.0.1:${port}/hook`,
      `https://localhost:${port}/hook`,
      `https://[::ffff:127.0.0.1]:${port}/hook`,
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/hook',
    ];
    const endpoints = await Promise.all(urls.map((url) => addEndpoint(h.db, app.id, url, ['message.created'])));
    const conversation = await h.stack.openConversation(app, 'dev-ssrf');
    await h.stack.agentSend(app, conversation.id, 'do not leak');
    const rows = await waitFor(
      async () => {
        const all = await Promise.all(endpoints.map(async (e) => (await deliveriesOf(h.db, e.id))[0]));
        return all.every((d) => d?.status === 'failed') && all;
      },
      { message: 'every delivery failed', timeoutMs: 8000 },
    );
    expect(rows.map((d) => d!.attempts)).toEqual(urls.map(() => 2));
    expect(rows.map((d) => d!.last_error!.split(' ').slice(0, 2).join(' '))).toEqual([
      'refused: http:',
      'refused: 127.0.0.1',
      'refused: localhost',
      'refused: ::ffff:7f00:1', // as the URL parser writes ::ffff:127.0.0.1
      'refused: 169.254.169.254',
      'refused: 10.0.0.1',
    ]);
    expect(rows.every((d) => d!.last_status_code === null)).toBe(true);
    expect(receiver.received).toHaveLength(0);
    const text = await h.metrics.metrics();
    for (const reason of ['scheme', 'loopback', 'linkLocal', 'private']) {
      expect(text).toMatch(new RegExp(`${WEBHOOK_METRICS.refusedTargets}\\{reason="${reason}"\\} [1-9]`));
    }
  });
});
