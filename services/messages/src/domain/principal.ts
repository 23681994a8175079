import type { Principal } from '@switchboard/protocol';

/** The side of the conversation a principal speaks for. */
export const sideOf = (principal: Principal): 'user' | 'agent' => (principal.kind === 'device' ? 'user' : 'agent');
