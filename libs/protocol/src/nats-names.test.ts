import { describe, expect, it } from 'vitest';
import { FANOUT_CONSUMER, MESSAGES_STREAM, SUBJECTS } from './nats.js';
import { natsNames } from './nats-names.js';

describe('nats names', () => {
  it('nats names - an empty prefix keeps every name of the contract', () => {
    const names = natsNames('');
    expect(names).toMatchObject({
      prefix: '',
      streams: { messages: 'MESSAGES', events: 'EVENTS' },
      streamSubjects: { messages: ['message.>'], events: ['conversation.>', 'app.>'] },
      subjects: {
        messageCreated: 'message.created',
        messageStatus: 'message.status',
        conversationUpdated: 'conversation.updated',
        appCredentialsRevoked: 'app.credentials_revoked',
      },
      consumers: { gatewayFanout: 'gateway-fanout', webhooksMessages: 'webhooks-messages', webhooksEvents: 'webhooks-events' },
    });
    expect(natsNames().consumers).toEqual(names.consumers);
    expect(names.streams.messages).toBe(MESSAGES_STREAM.name);
    expect(names.consumers.gatewayFanout).toBe(FANOUT_CONSUMER);
    expect(names.subject(SUBJECTS.messageCreated)).toBe('message.created');
    expect(names.contractSubject('message.status')).toBe('message.status');
  });

  it('nats names - a prefix prefixes every subject, stream and durable consumer', () => {
    const names = natsNames('staging-2_b');
    expect(names).toMatchObject({
      prefix: 'staging-2_b',
      streams: { messages: 'staging-2_b_MESSAGES', events: 'staging-2_b_EVENTS' },
      streamSubjects: { messages: ['staging-2_b.message.>'], events: ['staging-2_b.conversation.>', 'staging-2_b.app.>'] },
      subjects: {
        messageCreated: 'staging-2_b.message.created',
        messageStatus: 'staging-2_b.message.status',
        conversationUpdated: 'staging-2_b.conversation.updated',
        appCredentialsRevoked: 'staging-2_b.app.credentials_revoked',
      },
      consumers: {
        gatewayFanout: 'staging-2_b_gateway-fanout',
        webhooksMessages: 'staging-2_b_webhooks-messages',
        webhooksEvents: 'staging-2_b_webhooks-events',
      },
    });
    expect(names.subject(SUBJECTS.messageStatus)).toBe('staging-2_b.message.status');
    expect(Object.isFrozen(names) && Object.isFrozen(names.subjects) && Object.isFrozen(names.streamSubjects.messages)).toBe(true);
  });

  it('nats names - maps wire subjects back to the contract, and refuses other environments', () => {
    const names = natsNames('prod');
    expect(names.contractSubject('prod.message.created')).toBe('message.created');
    expect(names.contractSubject('staging.message.created')).toBeUndefined();
    expect(names.contractSubject('message.created')).toBeUndefined();
    expect(names.contractSubject('production.message.created')).toBeUndefined();
  });

  it('nats names - refuses a prefix outside 1-32 of A-Z a-z 0-9 _ -', () => {
    for (const ok of ['a', 'A-z_09', 'x'.repeat(32)]) expect(() => natsNames(ok), ok).not.toThrow();
    for (const bad of ['x'.repeat(33), 'a.b', 'a b', 'a*', 'a>', 'é']) expect(() => natsNames(bad), bad).toThrow(/1-32 characters/);
  });
});
