import { describe, expect, it } from 'vitest';
import { agentMember, nodeAgentMember, nodeConnectionName, parseNodeAgentMember, presenceKeyPrefix, presenceKeys } from './presence-keys.js';

/**
 * The key layout is shared by processes of different versions during a rolling upgrade (gateways write, the
 * webhooks service reads): its strings are pinned here, so a change to them is a deliberate, visible one.
 */
describe('presence keys', () => {
  it('presence keys - the layout under REDIS_KEY_PREFIX (the first release\'s keys unchanged, user and agent sets beside them)', () => {
    const keys = presenceKeys(presenceKeyPrefix('switchboard'));
    expect(keys.device('app_1', 'phone:1')).toBe('switchboard:presence:dev:app_1:phone:1');
    expect(keys.user('app_1', 'alice@example.com')).toBe('switchboard:presence:user:app_1:alice@example.com');
    expect(keys.agents('app_1')).toBe('switchboard:presence:agents:app_1');
    expect(keys.sessions('app_1')).toBe('switchboard:presence:sess:app_1');
    expect(keys.departures('app_1')).toBe('switchboard:presence:left:app_1');
    expect(keys.away('app_1', 'phone')).toBe('switchboard:presence:away:app_1:phone');
    expect(keys.node('gw-1')).toBe('switchboard:presence:node:gw-1');
    expect(keys.nodeAgents('gw-1')).toBe('switchboard:presence:node-agents:gw-1');
    expect(keys.leaving('gw-1')).toBe('switchboard:presence:leaving:gw-1');
    expect(keys.alive('gw-1')).toBe('switchboard:presence:alive:gw-1');
    expect(keys.seen('gw-1')).toBe('switchboard:presence:seen:gw-1');
    expect(keys.nodes).toBe('switchboard:presence:nodes');
    expect(keys.sweepLock).toBe('switchboard:presence:sweep-lock');
  });

  it('presence keys - a node\'s registry connection is named under the prefix (the sweeper looks for it by name)', () => {
    expect(nodeConnectionName(presenceKeyPrefix('switchboard'), 'gw-1')).toBe('switchboard:presence:gateway:gw-1');
    expect(nodeConnectionName(presenceKeyPrefix('staging'), 'gw-1')).toBe('staging:presence:gateway:gw-1');
  });

  it('presence keys - agent members name the connection with its node, and a node\'s with its app', () => {
    expect(agentMember('conn-1', 'gw-1')).toBe('conn-1\tgw-1');
    expect(parseNodeAgentMember(nodeAgentMember('app_1', 'conn-1'))).toEqual({ appId: 'app_1', connectionId: 'conn-1' });
    expect(parseNodeAgentMember('damaged')).toBeUndefined();
  });
});
