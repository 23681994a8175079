import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AckResult } from '@switchboard/protocol';
import type { TokenError } from './errors.js';
import { TokenRefresher } from './token-refresher.js';
import { TokenSource } from './token-source.js';

const MINUTE = 60_000;

/** An unsigned JWT with these claims (the SDK never verifies). */
const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const T0 = Date.UTC(2026, 0, 1, 12);

/** A backend minting a token that lives `lifetimeMs` from `clock()` at each call; `fail` makes the next calls throw. */
function backend(lifetimeMs: number, clock: () => number = Date.now) {
  let n = 0;
  const state = { calls: 0, fail: false };
  const getToken = () => {
    state.calls++;
    if (state.fail) throw new Error('backend down');
    const now = Math.floor(clock() / 1000);
    return jwt({ sub: 'alice', aud: 'app_1', iat: now, exp: now + lifetimeMs / 1000, n: n++ });
  };
  return Object.assign(state, { getToken });
}

/** A refresher on a fake socket that acks what `answer` says, recording what it was sent. */
function setup(lifetimeMs: number, answer: (token: string) => AckResult<{ expires_at: string }> = () => ({ success: true, expires_at: '' })) {
  const api = backend(lifetimeMs);
  const errors: TokenError[] = [];
  const sent: string[] = [];
  const tokens = new TokenSource({ getToken: api.getToken, onError: (error) => errors.push(error) });
  const refresher = new TokenRefresher({
    tokens,
    send: async (token) => (sent.push(token), answer(token)),
    backoff: { baseMs: 1000, maxMs: 1000 },
    onError: (error) => errors.push(error),
  });
  return { api, errors, sent, tokens, refresher };
}

describe('token refresh schedule (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refresh - a one-hour token is refreshed in band at 48 min, then each new one 48 min after it came', async () => {
    const { api, sent, tokens, refresher } = setup(60 * MINUTE);
    const first = await tokens.current();
    refresher.start(first);
    await vi.advanceTimersByTimeAsync(48 * MINUTE - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toBe(first);
    expect(tokens.held).toBe(sent[0]);
    await vi.advanceTimersByTimeAsync(48 * MINUTE - 1);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    expect(api.calls).toBe(3);
    refresher.stop();
  });

  it('refresh - a four-minute token is refreshed 60 s before its exp', async () => {
    const { sent, tokens, refresher } = setup(4 * MINUTE);
    refresher.start(await tokens.current());
    await vi.advanceTimersByTimeAsync(3 * MINUTE - 1);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    refresher.stop();
  });

  it('refresh - scheduled on the server clock: a device clock 10 min behind still refreshes at 80 %', async () => {
    const serverClock = () => Date.now() + 10 * MINUTE;
    const api = backend(60 * MINUTE, serverClock);
    const sent: string[] = [];
    const tokens = new TokenSource({ getToken: api.getToken, onError: () => {} });
    const refresher = new TokenRefresher({ tokens, send: async (token) => (sent.push(token), { success: true, expires_at: '' }), onError: () => {} });
    const first = await tokens.current();
    tokens.serverTime(new Date(serverClock()).toISOString()); // `connected.server_time`
    refresher.start(first);
    await vi.advanceTimersByTimeAsync(48 * MINUTE);
    expect(sent).toHaveLength(1); // without the server's clock: at 56 min, 4 min before exp
    refresher.stop();
  });

  it('refresh - a callback that throws is reported (token:error) and retried with the backoff until it works', async () => {
    const { api, errors, sent, tokens, refresher } = setup(10 * MINUTE);
    refresher.start(await tokens.current());
    api.fail = true;
    await vi.advanceTimersByTimeAsync(8 * MINUTE);
    expect(errors.map((e) => e.code)).toEqual(['TOKEN_UNAVAILABLE']);
    expect(errors[0]!.message).toContain('backend down');
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(sent).toEqual([]);
    api.fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(1);
    const failures = errors.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(errors).toHaveLength(failures); // back on schedule: no more retries
    refresher.stop();
  });

  it('refresh - a refresh the gateway refuses is reported with its code and tried again', async () => {
    let refuse = true;
    const { errors, sent, tokens, refresher } = setup(10 * MINUTE, () =>
      refuse ? { success: false, error: { code: 'FORBIDDEN', message: 'another sub' } } : { success: true, expires_at: '' },
    );
    refresher.start(await tokens.current());
    await vi.advanceTimersByTimeAsync(8 * MINUTE);
    expect(errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    refuse = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
    expect(errors).toHaveLength(1);
    refresher.stop();
  });

  it('refresh - one timer, none while the connection is down or after close', async () => {
    const { sent, tokens, refresher } = setup(10 * MINUTE);
    const first = await tokens.current();
    refresher.start(first);
    refresher.start(first); // `connect`, then `connected` with the server's clock: still one timer
    expect(vi.getTimerCount()).toBe(1);
    refresher.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(sent).toEqual([]);
  });

  it('tokens - concurrent needs share one callback call; TOKEN_EXPIRED makes the next need fetch a new token', async () => {
    const { api, errors, tokens } = setup(10 * MINUTE);
    const [a, b, c] = await Promise.all([tokens.current(), tokens.current(), tokens.current()]);
    expect(api.calls).toBe(1);
    expect(new Set([a, b, c]).size).toBe(1);
    expect(await tokens.current()).toBe(a); // held while not due
    tokens.expired(a);
    const next = await tokens.current();
    expect(next).not.toBe(a);
    expect(api.calls).toBe(2);
    expect(errors).toEqual([]);
  });

  it('tokens - the callback handing back the token just refused as expired, or no token, is a TOKEN_UNAVAILABLE', async () => {
    const errors: TokenError[] = [];
    let answer: unknown = 'header.e30.sig';
    const tokens = new TokenSource({ getToken: () => answer as string, onError: (error) => errors.push(error) });
    const token = await tokens.current();
    tokens.expired(token);
    await expect(tokens.current()).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE', message: expect.stringContaining('refused') });
    answer = '';
    await expect(tokens.current()).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE' });
    answer = undefined;
    await expect(tokens.fetch()).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE' });
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error.message).not.toContain(token);
  });
});
