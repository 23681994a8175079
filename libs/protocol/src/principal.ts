import { z } from 'zod';
import { DeviceIdField, IdField, UserIdField } from './fields.js';

/** An anonymous device of an app, authenticated with the app's api key alone (`/client`, device REST credentials). */
export const DevicePrincipal = z.strictObject({ kind: z.literal('device'), app_id: IdField, device_id: DeviceIdField });
export type DevicePrincipal = z.infer<typeof DevicePrincipal>;

/**
 * A signed-in user of an app on one of its devices: the api key plus a user token the app's backend signed
 * (`sub` = `user_id`). Acts as the user across devices; presence stays per device.
 */
export const UserPrincipal = z.strictObject({
  kind: z.literal('user'),
  app_id: IdField,
  device_id: DeviceIdField,
  user_id: UserIdField,
});
export type UserPrincipal = z.infer<typeof UserPrincipal>;

/**
 * An app's agents: the app's admin token (`agent_id` null: a server, no one in particular), or an agent token
 * (`agent_id` = its `sub`, `name` = its `name` claim, carried into `sender_id` / `sender_name`).
 */
export const AgentPrincipal = z.strictObject({
  kind: z.literal('agent'),
  app_id: IdField,
  agent_id: UserIdField.nullable().default(null),
  name: z.string().max(200).nullable().default(null),
});
export type AgentPrincipal = z.output<typeof AgentPrincipal>;

/**
 * Who is calling, in one shape from the handshake to the database: the gateway keeps it on the socket
 * (`socket.data.principal`), sends it over the internal API, and the messages service's domain scopes every
 * lookup by it. Discriminated by `kind`.
 */
export const Principal = z.discriminatedUnion('kind', [DevicePrincipal, UserPrincipal, AgentPrincipal]);
export type Principal = z.output<typeof Principal>;
export type PrincipalKind = Principal['kind'];
/** The principals of the `/client` namespace and device REST credentials. */
export type ClientPrincipal = DevicePrincipal | UserPrincipal;

/** The user id a principal acts as, `null` for an anonymous device and for agents. */
export const userIdOf = (principal: Principal): string | null => (principal.kind === 'user' ? principal.user_id : null);
