/**
 * Paths and header names of the REST API (CONTRACT.md): routed by the messages service, called by the SDK, listed
 * by CORS. No zod here: the SDK takes these values through the `@switchboard/protocol/http-api` entry.
 */

/** REST routes, as the router's patterns (`:id` a conversation id); `restPath` fills one in. */
export const REST_PATHS = Object.freeze({
  apps: '/v1/apps',
  /** Operator routes of one app (`:app_id`): its policy, identity keys and credential rotation. */
  app: '/v1/apps/:app_id',
  identityKeys: '/v1/apps/:app_id/identity-keys',
  identityKey: '/v1/apps/:app_id/identity-keys/:kid',
  rotateCredentials: '/v1/apps/:app_id/credentials/rotate',
  conversations: '/v1/conversations',
  conversation: '/v1/conversations/:id',
  messages: '/v1/conversations/:id/messages',
  read: '/v1/conversations/:id/read',
} as const);

/**
 * The operator routes the webhooks service serves (CONTRACT.md, "Webhooks"); the public routing sends
 * `/v1/apps/:app_id/webhooks…` to it. `:id` is an endpoint's id.
 */
export const WEBHOOK_PATHS = Object.freeze({
  webhooks: '/v1/apps/:app_id/webhooks',
  webhook: '/v1/apps/:app_id/webhooks/:id',
  deliveries: '/v1/apps/:app_id/webhooks/:id/deliveries',
  retryDelivery: '/v1/apps/:app_id/webhooks/:id/deliveries/:delivery_id/retry',
} as const);

export type RestPath =
  | (typeof REST_PATHS)[keyof typeof REST_PATHS]
  | (typeof WEBHOOK_PATHS)[keyof typeof WEBHOOK_PATHS];

/** A route's path for one conversation: `restPath(REST_PATHS.messages, id)` is `/v1/conversations/<id>/messages`. */
export const restPath = (pattern: RestPath, id: string): string => pattern.replace(':id', encodeURIComponent(id));

/** An operator route's path for one app: `appPath(REST_PATHS.identityKeys, appId)` is `/v1/apps/<app_id>/identity-keys`. */
export const appPath = (pattern: RestPath, appId: string): string => pattern.replace(':app_id', encodeURIComponent(appId));

/** The headers that carry a caller's credentials: a device's three, or an agent's `Authorization: Bearer`. */
export const CREDENTIAL_HEADERS = Object.freeze({
  appId: 'X-App-Id',
  deviceId: 'X-Device-Id',
  apiKey: 'X-Api-Key',
  /** A signed-in user's token, next to the device's three headers. */
  userToken: 'X-User-Token',
  authorization: 'Authorization',
} as const);

/** The REST headers that carry a device's credentials; with `Authorization` on the same request: 400. */
export const CLIENT_CREDENTIAL_HEADERS = Object.freeze([
  CREDENTIAL_HEADERS.appId,
  CREDENTIAL_HEADERS.deviceId,
  CREDENTIAL_HEADERS.apiKey,
] as const);

/** A request's id: the caller's when sane, else made by the service; answered on every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';
