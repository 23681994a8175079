/** Who is calling: a device of an app (client credentials) or the app's agents (admin token). */
export type Principal =
  | { readonly kind: 'client'; readonly appId: string; readonly deviceId: string }
  | { readonly kind: 'agent'; readonly appId: string };

/** The side of the conversation a principal speaks for. */
export const sideOf = (principal: Principal): 'user' | 'agent' => (principal.kind === 'client' ? 'user' : 'agent');
