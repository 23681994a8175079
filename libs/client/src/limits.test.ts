import { describe, expect, it } from 'vitest';
import * as protocol from '@switchboard/protocol';
import { checkSend, DEVICE_ID_PATTERN, ID_PATTERN, LOCAL_ID_PATTERN, SEND_LIMITS } from './limits.js';

const ok = { conversationId: 'conv_1', localId: 'local-1', body: 'hello' };

describe('send limits', () => {
  it('limits - the SDK checks the same limits as the protocol', () => {
    expect(SEND_LIMITS.bodyMaxChars).toBe(protocol.LIMITS.bodyMaxChars);
    expect(LOCAL_ID_PATTERN.source).toBe(protocol.LOCAL_ID_PATTERN.source);
    expect(ID_PATTERN.source).toBe(protocol.ID_PATTERN.source);
    expect(DEVICE_ID_PATTERN.source).toBe(protocol.DEVICE_ID_PATTERN.source);
  });

  it('limits - body 1-10,000 characters, not blank, no NUL; local_id and conversation id by their patterns', () => {
    expect(checkSend(ok, 65_536)).toEqual([]);
    expect(checkSend({ ...ok, body: '😀'.repeat(10_000) }, 65_536)).toEqual([]);
    expect(checkSend({ ...ok, body: 'x'.repeat(10_001) }, 1e9)).toEqual([{ path: 'body', message: 'must be at most 10000 characters' }]);
    expect(checkSend({ ...ok, body: ' \n\t' }, 65_536)).toEqual([{ path: 'body', message: 'must not be blank' }]);
    expect(checkSend({ ...ok, body: 'a\u0000b' }, 65_536).map((p) => p.path)).toEqual(['body']);
    expect(checkSend({ ...ok, localId: 'has space' }, 65_536).map((p) => p.path)).toEqual(['local_id']);
    expect(checkSend({ ...ok, localId: 'x'.repeat(129) }, 65_536).map((p) => p.path)).toEqual(['local_id']);
    expect(checkSend({ ...ok, conversationId: '../x' }, 65_536).map((p) => p.path)).toEqual(['conversation_id']);
    expect(checkSend({ ...ok, body: 70_000 as unknown as string }, 65_536).map((p) => p.path)).toEqual(['body']);
  });

  it('limits - a body within 10,000 characters whose frame exceeds the server limit is refused', () => {
    // Control characters take six bytes each in JSON: 10,000 of them make a 60 KB frame.
    const body = 'a' + '\u0001'.repeat(9_999);
    expect(checkSend({ ...ok, body }, 65_536)).toEqual([]);
    const problems = checkSend({ ...ok, body }, 32_768);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/over the server's limit of 32768/);
  });
});
