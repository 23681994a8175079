import { describe, expect, it } from 'vitest';
import { rateLimitKey } from './rate-limiter.js';

describe('rate limit keys', () => {
  it('rate limit keys - one budget per device, per user (whatever device), per agent, and per app admin token', () => {
    expect(rateLimitKey({ kind: 'device', app_id: 'app_1', device_id: 'phone' })).toBe('c:app_1:phone');
    const alice = rateLimitKey({ kind: 'user', app_id: 'app_1', device_id: 'phone', user_id: 'alice' });
    expect(alice).toBe(rateLimitKey({ kind: 'user', app_id: 'app_1', device_id: 'tablet', user_id: 'alice' }));
    expect(alice).not.toBe(rateLimitKey({ kind: 'user', app_id: 'app_2', device_id: 'phone', user_id: 'alice' }));
    const admin = rateLimitKey({ kind: 'agent', app_id: 'app_1', agent_id: null, name: null });
    const agent = rateLimitKey({ kind: 'agent', app_id: 'app_1', agent_id: 'bob', name: 'Bob' });
    expect(new Set([admin, agent, alice, rateLimitKey({ kind: 'agent', app_id: 'app_1', agent_id: 'carol', name: null })]).size).toBe(4);
  });
});
