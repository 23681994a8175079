import { describe, expect, it } from 'vitest';
import { nodeShares, placeRooms, roomSizes, ROOM_SIZES } from './cluster-placement.js';

describe('cluster placement', () => {
  it('room sizes - cycle 2 to 5 and hold at least the sockets asked for, in whole rooms', () => {
    const sizes = roomSizes(4000);
    expect(new Set(sizes)).toEqual(new Set(ROOM_SIZES));
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(4000);
    expect(total - sizes.at(-1)!).toBeLessThan(4000);
  });

  it('placement - one node holds every socket; with several, some rooms span nodes and some nodes miss some rooms', () => {
    const sizes = roomSizes(200);
    expect(placeRooms(sizes, 1).every((room) => room.nodes.every((n) => n === 0))).toBe(true);
    for (const nodeCount of [2, 3, 4]) {
      const rooms = placeRooms(sizes, nodeCount);
      expect(rooms.some((room) => new Set(room.nodes).size > 1)).toBe(true);
      expect(rooms.some((room) => new Set(room.nodes).size === 1)).toBe(true);
      const shares = nodeShares(rooms, nodeCount);
      expect(shares.reduce((sum, s) => sum + s.sockets, 0)).toBe(sizes.reduce((a, b) => a + b, 0));
      for (const share of shares) {
        // Even: no node holds more than a room's worth of sockets above another.
        expect(Math.max(...shares.map((s) => s.sockets)) - share.sockets).toBeLessThanOrEqual(5);
        expect(share.roomsWithSocket).toBeLessThan(rooms.length);
      }
    }
  });
});
