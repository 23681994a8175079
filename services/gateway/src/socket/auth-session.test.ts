import { describe, expect, it } from 'vitest';
import { IDENTITY } from '@switchboard/protocol';
import { createCredentialsInterner, sessionDeadline, sessionEndCode, sessionFieldsOf } from './auth-session.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('auth session fields', () => {
  it('keeps epoch seconds and the credential ids, nothing for what is null', () => {
    const intern = createCredentialsInterner();
    expect(sessionFieldsOf({ token_expires_at: null, credentials_valid_until: null, credentials: ['api_key:ab'] }, intern)).toEqual({ credentials: ['api_key:ab'] });
    expect(sessionFieldsOf({ token_expires_at: iso(2000), credentials_valid_until: iso(1500), credentials: [] }, intern)).toEqual({
      tokenExp: 2000,
      credentialsUntil: 1500,
      credentials: [],
    });
  });

  it('an instant between seconds rounds up: a socket never ends before its credential does', () => {
    const fields = sessionFieldsOf({ token_expires_at: null, credentials_valid_until: '2030-01-01T00:00:00.200Z', credentials: [] }, createCredentialsInterner());
    expect(fields.credentialsUntil).toBe(Date.parse('2030-01-01T00:00:01Z') / 1000);
  });

  it('sockets with the same credentials share one array; a full interner starts over', () => {
    const intern = createCredentialsInterner(2);
    const first = intern(['api_key:ab', 'identity_key:k1']);
    expect(intern(['api_key:ab', 'identity_key:k1'])).toBe(first);
    intern(['x']);
    intern(['y']);
    expect(intern(['api_key:ab', 'identity_key:k1'])).not.toBe(first);
  });

  it('the deadline is the earlier of exp + leeway and the credential end; the end code says which passed', () => {
    expect(sessionDeadline({})).toBeUndefined();
    expect(sessionDeadline({ tokenExp: 1000 })).toBe(1000 + IDENTITY.leewaySeconds);
    expect(sessionDeadline({ credentialsUntil: 900 })).toBe(900);
    expect(sessionDeadline({ tokenExp: 1000, credentialsUntil: 1010 })).toBe(1010);
    expect(sessionDeadline({ tokenExp: 1000, credentialsUntil: 1100 })).toBe(1000 + IDENTITY.leewaySeconds);
    expect(sessionEndCode({ tokenExp: 1000, credentialsUntil: 1100 }, 1030)).toBe('TOKEN_EXPIRED');
    expect(sessionEndCode({ tokenExp: 1000, credentialsUntil: 1010 }, 1010)).toBe('INVALID_CREDENTIALS');
  });
});
