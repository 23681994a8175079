import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '@switchboard/client';
import type { CreatedApp } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { collect, settlesWithin, startSdkStack, type SdkStack } from './sdk-stack.js';

/** A gateway with a small `MAX_PAYLOAD_BYTES`: the SDK learns the limit from the handshake and keeps under it. */
describe('sdk: frame limit', () => {
  let stack: SdkStack;
  let app: CreatedApp;
  let device: ChatClient | undefined;

  beforeAll(async () => {
    stack = await startSdkStack({ gatewayEnv: { MAX_PAYLOAD_BYTES: '4096' } });
    app = await stack.createApp('sdk-frame-limit');
  }, 60_000);
  afterAll(async () => {
    device?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  it('sdk - a body within 10,000 characters whose frame exceeds the gateway\'s maxPayload is refused locally, the connection stays up', async () => {
    const conversation = await stack.openConversation(app, 'frame-limit');
    device = new ChatClient({ url: stack.gatewayUrl, apiUrl: stack.apiUrl, appId: app.id, deviceId: 'frame-limit', apiKey: app.api_key });
    const disconnects = collect<string>();
    device.on('disconnect', disconnects.push);
    device.connect();
    await waitFor(() => device!.connected, { message: 'connected' });
    const big = settlesWithin(device.send(conversation.id, 'y'.repeat(5000)), 3000, 'big send');
    await expect(big).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/over the server's limit of 4096/) });
    expect((await settlesWithin(device.send(conversation.id, 'fits'), 5000, 'small send')).body).toBe('fits');
    expect(disconnects.items).toEqual([]);
  });
});
