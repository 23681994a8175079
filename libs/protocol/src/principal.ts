import { z } from 'zod';
import { DeviceIdField, IdField } from './fields.js';

/** A device of an app, authenticated with the app's api key (the `/client` namespace, device REST credentials). */
export const DevicePrincipal = z.strictObject({ kind: z.literal('device'), app_id: IdField, device_id: DeviceIdField });
export type DevicePrincipal = z.infer<typeof DevicePrincipal>;

/** The agents of an app, authenticated with the app's admin token (the `/admin` namespace, `Authorization: Bearer`). */
export const AgentPrincipal = z.strictObject({ kind: z.literal('agent'), app_id: IdField });
export type AgentPrincipal = z.infer<typeof AgentPrincipal>;

/**
 * Who is calling, in one shape from the handshake to the database: the gateway keeps it on the socket
 * (`socket.data.principal`), sends it over the internal API, and the messages service's domain scopes every
 * lookup by it. Discriminated by `kind`; the identity work adds users and agent ids as further kinds.
 */
export const Principal = z.discriminatedUnion('kind', [DevicePrincipal, AgentPrincipal]);
export type Principal = z.infer<typeof Principal>;
export type PrincipalKind = Principal['kind'];
