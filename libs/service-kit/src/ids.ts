import { randomUUID } from 'node:crypto';

/**
 * `evt`: an outbox event that announces no message (its `Nats-Msg-Id`), e.g. `app.credentials_revoked`; `whk`: a
 * webhook endpoint, `dlv`: one delivery of an event to an endpoint (the webhooks service).
 */
export type IdPrefix = 'app' | 'conv' | 'msg' | 'key' | 'evt' | 'whk' | 'dlv';

/**
 * A time-ordered id: `<prefix>_` + 32 hex digits of a UUIDv7 (48-bit millisecond time, then randomness).
 * Time order only keeps btree inserts local; nothing pages on it (cursors use `seq` and sequences).
 *
 * The random bits come from `randomUUID()`, whose entropy Node draws in blocks (one system call per many ids;
 * `randomBytes(16)` per id made one each). A v4 UUID has its version and variant where v7 has them, so its
 * random digits fall into place: `xxxxxxxx-xxxx-4rrr-Vrrr-rrrrrrrrrrrr` → time, `7`, `rrr`, `Vrrr`, `r…`.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${prefix}_${time}7${random.slice(15, 18)}${random.slice(19, 23)}${random.slice(24)}`;
}
