/** Room sizes of support chat: a device with 2 to 5 tabs (sockets) in its conversation, cycled. */
export const ROOM_SIZES: readonly number[] = [2, 3, 4, 5];

/** One room of the `cluster` scenario: the gateway node (0-based) of each of its sockets. */
export interface PlacedRoom {
  readonly nodes: readonly number[];
}

/** Room sizes cycling through `ROOM_SIZES` until they hold at least `sockets` (the last room is whole). */
export function roomSizes(sockets: number): number[] {
  const sizes: number[] = [];
  for (let total = 0; total < sockets; total += sizes.at(-1)!) sizes.push(ROOM_SIZES[sizes.length % ROOM_SIZES.length]!);
  return sizes;
}

/**
 * Spreads the rooms' sockets over `nodeCount` gateways, evenly: even rooms whole on one node (a device whose tabs
 * all reached the same gateway), odd rooms tab by tab over consecutive nodes (tabs that reached different
 * gateways), each room starting on the node that holds the fewest sockets so far. So some rooms have sockets on
 * several nodes, and many events go to rooms with no socket on a given node.
 */
export function placeRooms(sizes: readonly number[], nodeCount: number): PlacedRoom[] {
  const load = new Array<number>(nodeCount).fill(0);
  return sizes.map((size, r) => {
    const first = load.indexOf(Math.min(...load));
    const nodes = Array.from({ length: size }, (_, tab) => (r % 2 === 0 ? first : (first + tab) % nodeCount));
    for (const node of nodes) load[node]!++;
    return { nodes };
  });
}

/** Per node: sockets, and the share of rooms (so of round-robin events) with at least one socket there. */
export function nodeShares(rooms: readonly PlacedRoom[], nodeCount: number): { sockets: number; roomsWithSocket: number }[] {
  const shares = Array.from({ length: nodeCount }, () => ({ sockets: 0, roomsWithSocket: 0 }));
  for (const room of rooms) {
    for (const node of room.nodes) shares[node]!.sockets++;
    for (const node of new Set(room.nodes)) shares[node]!.roomsWithSocket++;
  }
  return shares;
}
