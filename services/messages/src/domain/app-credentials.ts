import type { AppRow } from '../db/schema.js';

/** The app credentials that rotate (`POST /v1/apps/:app_id/credentials/rotate`). */
export type RotatableCredential = 'api_key' | 'admin_token';

/**
 * One of an app's credentials as stored: the current hash, and after a rotation the previous one with the end of
 * its grace. Only one previous credential at a time: a second rotation drops the first one's.
 */
export interface StoredCredential {
  readonly hash: string;
  readonly previous: { readonly hash: string; readonly validUntil: Date } | null;
}

export function storedCredential(row: AppRow, which: RotatableCredential): StoredCredential {
  const [hash, previousHash, validUntil] =
    which === 'api_key'
      ? [row.api_key_hash, row.previous_api_key_hash, row.previous_api_key_valid_until]
      : [row.admin_token_hash, row.previous_admin_token_hash, row.previous_admin_token_valid_until];
  return { hash, previous: previousHash !== null && validUntil !== null ? { hash: previousHash, validUntil } : null };
}

/** Whether a previous credential still works at `now` (it stops at `validUntil`, exclusive). */
export const previousValid = (credential: StoredCredential, now: number): boolean =>
  credential.previous !== null && credential.previous.validUntil.getTime() > now;
