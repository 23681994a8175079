import { describe, expect, it } from 'vitest';
import { ApiError, RestApi } from './rest.js';
import type { TokenProvider } from './token-source.js';

/** A token provider handing out t1, t2, … and recording what was refused as expired. */
function provider() {
  let n = 1;
  let held = 't1';
  const refused: string[] = [];
  const tokens: TokenProvider = {
    current: async () => (refused.includes(held) ? (held = `t${++n}`) : held),
    expired: (token) => void refused.push(token),
  };
  return { tokens, refused };
}

/** A fetch answering from `answers` in turn, recording each request's headers. */
function fakeFetch(answers: { status: number; body: unknown }[]) {
  const seen: Record<string, string>[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    seen.push(init.headers as Record<string, string>);
    const answer = answers.shift()!;
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const expiredBody = { error: { code: 'TOKEN_EXPIRED', message: 'token expired' } };

describe('rest with a token', () => {
  it('rest - a user token goes in X-User-Token; a 401 TOKEN_EXPIRED is retried once with a new token', async () => {
    const { tokens, refused } = provider();
    const { fetch, seen } = fakeFetch([
      { status: 401, body: expiredBody },
      { status: 200, body: { id: 'conv_1' } },
    ]);
    const rest = new RestApi({ baseUrl: 'http://api', headers: { 'X-Api-Key': 'k' }, fetch, token: { header: 'X-User-Token', provider: tokens } });
    await expect(rest.conversation('conv_1')).resolves.toEqual({ id: 'conv_1' });
    expect(seen.map((h) => [h['X-Api-Key'], h['X-User-Token']])).toEqual([
      ['k', 't1'],
      ['k', 't2'],
    ]);
    expect(refused).toEqual(['t1']);
  });

  it('rest - an agent token goes as a Bearer; a second TOKEN_EXPIRED, or any other 401, is the caller\'s', async () => {
    const { tokens } = provider();
    const { fetch, seen } = fakeFetch([
      { status: 401, body: expiredBody },
      { status: 401, body: expiredBody },
      { status: 401, body: { error: { code: 'INVALID_CREDENTIALS', message: 'no' } } },
    ]);
    const rest = new RestApi({ baseUrl: 'http://api', headers: {}, fetch, token: { header: 'Authorization', prefix: 'Bearer ', provider: tokens } });
    await expect(rest.conversation('c')).rejects.toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
    expect(seen.map((h) => h['Authorization'])).toEqual(['Bearer t1', 'Bearer t2']);
    const refused = rest.conversation('c');
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(seen).toHaveLength(3);
  });
});
