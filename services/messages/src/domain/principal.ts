import type { Principal } from '@switchboard/protocol';

/** The side of the conversation a principal speaks for. */
export const sideOf = (principal: Principal): 'user' | 'agent' => (principal.kind === 'agent' ? 'agent' : 'user');

/**
 * Who a message names as its sender (CONTRACT.md, identity): a signed-in user's id, an anonymous device's id, an
 * agent token's `sub` and `name`; the admin token names no one.
 */
export function senderOf(principal: Principal): { sender_id: string | null; sender_name: string | null } {
  switch (principal.kind) {
    case 'user':
      return { sender_id: principal.user_id, sender_name: null };
    case 'device':
      return { sender_id: principal.device_id, sender_name: null };
    case 'agent':
      return { sender_id: principal.agent_id, sender_name: principal.agent_id === null ? null : principal.name };
  }
}
