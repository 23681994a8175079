import { describe, expect, it } from 'vitest';
import { ID_PATTERN } from '@switchboard/protocol';
import { newId } from './ids.js';

describe('newId', () => {
  it('is a UUIDv7 in hex after the prefix: time first, version 7, variant 10', () => {
    const now = Date.UTC(2026, 10, 23, 9, 30);
    const id = newId('msg', now);
    expect(id).toMatch(/^msg_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(ID_PATTERN.test(id)).toBe(true);
    expect(parseInt(id.slice(4, 16), 16)).toBe(now);
  });

  it('sorts by time and does not repeat', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newId('msg', 1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map((id) => id.slice(4, 16));
    expect([...times].sort()).toEqual(times);
  });
});
