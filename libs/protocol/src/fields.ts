import { z } from 'zod';
import { DEVICE_ID_PATTERN, ID_PATTERN, LIMITS, LOCAL_ID_PATTERN, USER_ID_PATTERN } from './limits.js';

/** Field schemas reused by REST bodies, socket payloads and handshakes. */
export const IdField = z.string().regex(ID_PATTERN, 'must be an id');

/**
 * A device id: in the `/client` handshake, and in the `X-Device-Id` header of REST (a malformed one is a 400
 * `VALIDATION_FAILED` naming the header there, not a 401). The gateway and the SDK check it with this rule too.
 */
export const DeviceIdField = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');

/** A user's or agent's id (a token's `sub`). */
export const UserIdField = z.string().regex(USER_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ : - @');

/** A user or agent token as carried by a handshake, a header or `auth:refresh`: bounded before anything reads it. */
export const TokenField = z.string().min(1).max(LIMITS.tokenMaxChars);

export const LocalIdField = z
  .string()
  .regex(LOCAL_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');

/** Counts Unicode code points, so an emoji is one character whatever its UTF-16 length. */
function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export const BodyField = z
  .string()
  .refine((s) => s.trim().length > 0, 'must not be blank')
  // Postgres text cannot hold U+0000; refused here rather than failing in the database.
  .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character (U+0000)')
  .refine((s) => codePoints(s) <= LIMITS.bodyMaxChars, `must be at most ${LIMITS.bodyMaxChars} characters`);

export const AppNameField = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(LIMITS.appNameMaxChars, `must be at most ${LIMITS.appNameMaxChars} characters`);

/** A page size given as a query string: digits only, 1-200. */
export const LimitQueryField = z
  .string()
  .regex(/^[0-9]{1,3}$/, `must be an integer from 1 to ${LIMITS.pageLimitMax}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(LIMITS.pageLimitMax));
