import { describe, expect, it } from 'vitest';
import { agentSignIn } from './agent-sign-in.js';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${base64url({ alg: 'HS256', kid: 'k1' })}.${base64url(claims)}.c2lnbmF0dXJl`;

describe('agent sign-in token', () => {
  it('an admin token names its app and no agent', () => {
    const signIn = agentSignIn(' sba.app_123.c2VjcmV0c2VjcmV0 ');
    expect(signIn).toMatchObject({ appId: 'app_123', kind: 'admin_token', agentId: null, name: null, expiresAt: undefined });
    expect(signIn.credentials).toEqual({ adminToken: 'sba.app_123.c2VjcmV0c2VjcmV0' });
  });

  it('an agent token names its app in aud, the agent in sub, and its expiry', async () => {
    const token = jwt({ sub: 'agent-ada', aud: 'app_9', role: 'agent', name: 'Ada', iat: 1_700_000_000, exp: 1_700_003_600 });
    const signIn = agentSignIn(token);
    expect(signIn).toMatchObject({ appId: 'app_9', kind: 'agent_token', agentId: 'agent-ada', name: 'Ada', expiresAt: 1_700_003_600_000 });
    expect(await signIn.credentials.getAgentToken?.()).toBe(token);
    expect(agentSignIn(jwt({ sub: 'a', aud: ['app_9'], role: 'agent' })).appId).toBe('app_9');
  });

  it.each([
    ['an api key', 'sbk_abc'],
    ['a malformed admin token', 'sba..secret'],
    ['a user token (no role)', jwt({ sub: 'u1', aud: 'app_9' })],
    ['an agent token without aud', jwt({ sub: 'a', role: 'agent' })],
    ['an agent token without sub', jwt({ aud: 'app_9', role: 'agent' })],
    ['a JWT whose payload is not JSON', 'a.bm90IGpzb24.c'],
  ])('refuses %s with a reason', (_name, token) => {
    expect(() => agentSignIn(token)).toThrow(TypeError);
  });
});
