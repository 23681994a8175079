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

  it('nats names - a room subject per namespace and room, ids that are not a plain token encoded', () => {
    const names = natsNames('prod');
    expect(names.roomSubject('client', 'conv:conv_01abc')).toBe('prod.room.client.conv.conv_01abc');
    expect(names.roomSubject('admin', 'conv:conv_01abc')).toBe('prod.room.admin.conv.conv_01abc');
    expect(names.roomSubject('admin', 'app:app_9f')).toBe('prod.room.admin.app.app_9f');
    expect(natsNames().roomSubject('client', 'conv:c1')).toBe('room.client.conv.c1');
    expect(names.rooms).toBe('prod.room.>');
    // An app's own user id may hold what a subject token cannot: encoded, never mistaken for a plain id.
    const user = names.roomSubject('client', 'user:jane.doe@example.com');
    expect(user).toBe(`prod.room.client.user.~${Buffer.from('jane.doe@example.com').toString('base64url')}`);
    expect(user.split('.')).toHaveLength(5);
    for (const id of ['a b', 'a*', 'a>', 'é', 'x', 'xy', 'xyz', '']) {
      const token = names.roomSubject('client', `user:${id}`).split('.')[4]!;
      if (id === 'x' || id === 'xy' || id === 'xyz') expect(token).toBe(id);
      else expect(token).toBe(`~${Buffer.from(id).toString('base64url')}`);
    }
    // Not inside any stream's subjects (JetStream must not store room events).
    for (const captured of [...names.streamSubjects.messages, ...names.streamSubjects.events]) expect(captured.startsWith('prod.room')).toBe(false);
    expect(() => names.roomSubject('client', 'no-kind')).toThrow(/not a room name/);
    expect(() => names.roomSubject('client', 'a.b:c')).toThrow(/not a room name/);
  });
});
