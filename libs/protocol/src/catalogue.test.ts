import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  InternalSendMessageRequest,
  Principal,
  REST_PATHS,
  restPath,
  type AdminToServerEvents,
  type ClientToServerEvents,
  type EventAckResult,
  type EventPayload,
  type Message,
  type SessionInfo,
  type SocketSendMessage,
} from './index.js';

describe('catalogue', () => {
  it('types - payloads and ack results are read from the event maps', () => {
    expectTypeOf<EventPayload<ClientToServerEvents['message:send']>>().toEqualTypeOf<SocketSendMessage>();
    expectTypeOf<EventAckResult<ClientToServerEvents['message:send']>>().toEqualTypeOf<{ message: Message }>();
    expectTypeOf<EventAckResult<AdminToServerEvents['sessions:list']>>().toEqualTypeOf<{ sessions: SessionInfo[] }>();
    expectTypeOf<EventAckResult<ClientToServerEvents['conversation:leave']>>().toEqualTypeOf<void>();
    // @ts-expect-error a misspelt event name
    expectTypeOf<EventPayload<ClientToServerEvents['mesage:send']>>().toBeObject();
    // @ts-expect-error `sessions:list` is no /client event
    expectTypeOf<EventPayload<ClientToServerEvents['sessions:list']>>().toBeObject();
  });

  it('principal - one discriminated shape: a device names its device, an agent does not', () => {
    expect(Principal.parse({ kind: 'device', app_id: 'app_1', device_id: 'd-1' })).toEqual({ kind: 'device', app_id: 'app_1', device_id: 'd-1' });
    expect(Principal.parse({ kind: 'agent', app_id: 'app_1' })).toEqual({ kind: 'agent', app_id: 'app_1', agent_id: null, name: null });
    expect(Principal.parse({ kind: 'user', app_id: 'app_1', device_id: 'd-1', user_id: 'u@x' })).toEqual({ kind: 'user', app_id: 'app_1', device_id: 'd-1', user_id: 'u@x' });
    expect(Principal.safeParse({ kind: 'user', app_id: 'app_1', device_id: 'd-1' }).success).toBe(false);
    expect(Principal.safeParse({ app_id: 'app_1' }).success).toBe(false);
    expect(Principal.safeParse({ kind: 'device', app_id: 'app_1' }).success).toBe(false);
    expect(Principal.safeParse({ kind: 'agent', app_id: 'app_1', device_id: 'd-1' }).success).toBe(false);
    // @ts-expect-error a device principal without its device id
    const device: Principal = { kind: 'device', app_id: 'app_1' };
    void device;
  });

  it('internal send - the socket payload and a principal, with the same rules', () => {
    const { principal: _principal, ...payload } = InternalSendMessageRequest.shape;
    expect(Object.keys(payload).sort()).toEqual(['body', 'conversation_id', 'local_id']);
    expectTypeOf<Omit<InternalSendMessageRequest, 'principal'>>().toEqualTypeOf<SocketSendMessage>();
  });

  it('rest paths - filled with an encoded id', () => {
    expect(restPath(REST_PATHS.messages, 'conv/1')).toBe('/v1/conversations/conv%2F1/messages');
  });
});
