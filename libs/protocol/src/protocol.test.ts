import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BodyField,
  ERROR_CODES,
  ERROR_STATUS,
  ListMessagesQuery,
  LocalIdField,
  SendMessageRequest,
  parseWith,
  type AckResult,
  type ClientToServerEvents,
  type ErrorCode,
  type Message,
  type ServerToAdminEvents,
} from './index.js';

describe('protocol', () => {
  it('error codes - the closed set of the contract, each with its status', () => {
    expect([...ERROR_CODES].sort()).toEqual(
      ['FORBIDDEN', 'INTERNAL', 'INVALID_CREDENTIALS', 'MISSING_PARAMS', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'TOKEN_EXPIRED', 'UNAVAILABLE', 'VALIDATION_FAILED'],
    );
    expect(ERROR_STATUS.PAYLOAD_TOO_LARGE).toBe(413);
    expect(ERROR_STATUS.UNAVAILABLE).toBe(503);
    expect(ERROR_STATUS.TOKEN_EXPIRED).toBe(401);
    expectTypeOf<ErrorCode>().toEqualTypeOf<keyof typeof ERROR_STATUS>();
  });

  it('body - counts code points, refuses blank and over 10,000', () => {
    expect(BodyField.safeParse('😀'.repeat(10_000)).success).toBe(true); // 20,000 UTF-16 units
    expect(BodyField.safeParse('😀'.repeat(10_001)).success).toBe(false);
    expect(BodyField.safeParse(' \n\t').success).toBe(false);
    expect(BodyField.safeParse('').success).toBe(false);
    expect(BodyField.safeParse(' a ').success).toBe(true);
    expect(BodyField.safeParse('a\u0000b').success).toBe(false); // Postgres text cannot store it
  });

  it('local_id - 1-128 of A-Z a-z 0-9 . _ : -', () => {
    for (const ok of ['a', 'A.b_c:d-9', 'x'.repeat(128)]) expect(LocalIdField.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'é', 'a/b', 'a\n']) expect(LocalIdField.safeParse(bad).success, bad).toBe(false);
  });

  it('requests - strict: unknown fields are reported by name', () => {
    const result = parseWith(SendMessageRequest, { body: 'hi', local_id: 'a', extra: 1 });
    expect(result).toEqual({ ok: false, fields: [{ path: 'extra', message: 'is not a known field' }] });
  });

  it('message query - limit is an integer 1-200 given as a string; after and before exclude each other', () => {
    expect(parseWith(ListMessagesQuery, { limit: '200' })).toEqual({ ok: true, value: { limit: 200 } });
    for (const limit of ['0', '201', '1.5', '-1', 'abc', '']) expect(parseWith(ListMessagesQuery, { limit }).ok, limit).toBe(false);
    expect(parseWith(ListMessagesQuery, { after: 'msg_a', before: 'msg_b' }).ok).toBe(false);
  });

  it('event maps - payloads and acks are typed for Socket.IO generics', () => {
    expectTypeOf<Parameters<ClientToServerEvents['message:send']>[0]>().toEqualTypeOf<{
      conversation_id: string;
      body: string;
      local_id: string;
    }>();
    type SendAck = Parameters<NonNullable<Parameters<ClientToServerEvents['message:send']>[1]>>[0];
    expectTypeOf<SendAck>().toEqualTypeOf<AckResult<{ message: Message }>>();
    expectTypeOf<Parameters<ServerToAdminEvents['presence:change']>[0]['is_online']>().toEqualTypeOf<boolean>();
  });
});
