/** The gateway's rooms (services/gateway/src/socket/types.ts), and the uWS topic of a room in a namespace. */
export const conversationRoom = (conversationId: string) => `conv:${conversationId}`;
export const appRoom = (appId: string) => `app:${appId}`;

/** Namespaced, as Socket.IO's uWS integration names its topics: a room of /client is not the same room of /admin. */
export const topicOf = (nsp: string, room: string) => `${nsp}\u001f${room}`;
/** Every topic of one namespace starts with this. */
export const topicPrefixOf = (nsp: string) => `${nsp}\u001f`;
