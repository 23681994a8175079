import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { IDENTITY, ID_PATTERN, LIMITS, USER_ID_PATTERN } from '@switchboard/protocol';
import type { Counter } from '@switchboard/metrics';
import { AppError } from '../domain/errors.js';
import type { AppAuthCache } from './app-auth-cache.js';

/**
 * Why a token was refused, the label of `switchboard_messages_token_refusals_total`. The caller only ever hears
 * `TOKEN_EXPIRED` (for `expired`) or `INVALID_CREDENTIALS` (everything else): which part failed is for operators.
 */
export const TOKEN_REFUSAL_REASONS = [
  'too_long',
  'malformed',
  'unknown_app',
  'unknown_kid',
  'alg_mismatch',
  'bad_signature',
  'wrong_audience',
  'expired',
  'missing_claim',
  'not_yet_valid',
  'lifetime',
  'bad_subject',
  'bad_claim',
  'role',
] as const;
export type TokenRefusalReason = (typeof TOKEN_REFUSAL_REASONS)[number];

/** A user token, or an agent token (`role: "agent"`). */
export type TokenKind = 'user' | 'agent';

/** What a verified token says. */
export interface VerifiedToken {
  readonly appId: string;
  readonly kind: TokenKind;
  /** The user's or agent's id. */
  readonly sub: string;
  readonly name: string | null;
  readonly email: string | null;
  /** `exp`, in seconds since the epoch. */
  readonly exp: number;
  /** The identity key that signed it. */
  readonly kid: string;
}

export interface TokenVerifier {
  /**
   * Verifies a token for an app (`appId`), or, without one, for the app its `aud` names (an agent token on REST).
   * Throws `TOKEN_EXPIRED` when it expired beyond the leeway, `INVALID_CREDENTIALS` for anything else.
   */
  verify(token: string, expected: { readonly kind: TokenKind; readonly appId?: string | undefined }): Promise<VerifiedToken>;
}

export interface TokenVerifierOptions {
  readonly apps: Pick<AppAuthCache, 'get'>;
  /** Refusals by reason. */
  readonly refusals: Counter<'reason'>;
  /** @default Date.now */
  readonly now?: () => number;
}

const NAME_MAX_CHARS = 200;
const EMAIL_MAX_CHARS = 320;

class Refused extends Error {
  constructor(readonly reason: TokenRefusalReason) {
    super(reason);
  }
}

/**
 * Verifies user and agent tokens with jose, by the contract's rules: the header's `kid` names a key of the app, the
 * key fixes `alg` (so `none` and HS/ES confusion are refused before any cryptography), `aud` is the app id, `exp` and
 * `iat` are required, `exp` has `IDENTITY.leewaySeconds` of leeway, `exp − iat` and the age of `iat` are at most
 * `IDENTITY.maxLifetimeSeconds` (an `iat` in the future is refused too, or it would stretch the lifetime), `sub` is a
 * user id, and `role` says which kind of token it is. A token longer than `LIMITS.tokenMaxChars` is refused unread.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const refuse = (reason: TokenRefusalReason): never => {
    throw new Refused(reason);
  };

  const check = async (token: string, kind: TokenKind, givenAppId: string | undefined): Promise<VerifiedToken> => {
    if (token.length > LIMITS.tokenMaxChars) refuse('too_long');
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return refuse('malformed');
    }
    if (token.split('.').length !== 3) refuse('malformed'); // a JWS in compact form, never a JWE
    if (typeof header.kid !== 'string' || typeof header.alg !== 'string') refuse('malformed');
    const appId = givenAppId ?? appOfAudience(token);
    const app = await options.apps.get(appId);
    if (!app) return refuse('unknown_app');
    const key = app.keys.get(header.kid!);
    if (!key) return refuse('unknown_kid');
    if (header.alg !== key.alg) refuse('alg_mismatch');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg],
        audience: appId,
        clockTolerance: IDENTITY.leewaySeconds,
        maxTokenAge: IDENTITY.maxLifetimeSeconds,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      return refuse(reasonOf(error));
    }
    const { exp, iat, sub } = payload as { exp: number; iat: number; sub: unknown };
    if (exp - iat > IDENTITY.maxLifetimeSeconds) refuse('lifetime');
    if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) refuse('bad_subject');
    const role = payload.role;
    if (kind === 'agent' ? role !== 'agent' : role !== undefined && role !== 'user') refuse('role');
    const name = optionalString(payload.name, NAME_MAX_CHARS);
    const email = optionalString(payload.email, EMAIL_MAX_CHARS);
    return { appId, kind, sub: sub as string, name, email, exp, kid: key.kid };
  };

  return {
    async verify(token, expected) {
      try {
        return await check(token, expected.kind, expected.appId);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        options.refusals.inc({ reason: error.reason });
        if (error.reason === 'expired') throw new AppError('TOKEN_EXPIRED', 'the token has expired');
        throw new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');
      }
    },
  };

  /** An agent token on REST names its app in `aud` (one app: a string, or an array of one). */
  function appOfAudience(token: string): string {
    let aud: unknown;
    try {
      aud = decodeJwt(token).aud;
    } catch {
      return refuse('malformed');
    }
    const only = Array.isArray(aud) && aud.length === 1 ? aud[0] : aud;
    if (typeof only !== 'string' || !ID_PATTERN.test(only)) return refuse('wrong_audience');
    return only;
  }

  function optionalString(value: unknown, max: number): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.length > max) return refuse('bad_claim');
    return value;
  }
}

/** jose's refusal, as our reason. */
function reasonOf(error: unknown): TokenRefusalReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg_mismatch';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'missing_claim';
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'iat' || error.claim === 'nbf') return error.reason === 'invalid' ? 'bad_claim' : 'not_yet_valid';
    return 'bad_claim';
  }
  return 'malformed';
}
