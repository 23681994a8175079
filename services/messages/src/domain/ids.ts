import { randomBytes } from 'node:crypto';

export type IdPrefix = 'app' | 'conv' | 'msg';

/**
 * A time-ordered id: `<prefix>_` + 32 hex digits of a UUIDv7 (48-bit millisecond time, then randomness).
 * Time order only keeps btree inserts local; nothing pages on it (cursors use `seq` and sequences).
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  return `${prefix}_${bytes.toString('hex')}`;
}
