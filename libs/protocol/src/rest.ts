import { z } from 'zod';
import { AppNameField, BodyField, IdField, LimitQueryField, LocalIdField, UserIdField } from './fields.js';
import { IDENTITY } from './limits.js';
import { ConversationStatus, IdentityPolicy } from './models.js';
import { WORKFLOW } from './limits.js';

/** Request schemas of the REST API. All are strict: unknown fields are refused. */

export const CreateAppRequest = z.strictObject({ name: AppNameField }).meta({ id: 'CreateAppRequest' });
export type CreateAppRequest = z.infer<typeof CreateAppRequest>;

export const CreateConversationRequest = z.strictObject({}).meta({ id: 'CreateConversationRequest' });
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const SendMessageRequest = z
  .strictObject({ body: BodyField, local_id: LocalIdField })
  .meta({ id: 'SendMessageRequest' });
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

export const MarkReadRequest = z
  .strictObject({ last_read_message_id: IdField })
  .meta({ id: 'MarkReadRequest' });
export type MarkReadRequest = z.infer<typeof MarkReadRequest>;

/**
 * The conversation list: newest activity first, keyset paging; the filters (CONTRACT.md, workflow) narrow it:
 * `status`, `assignee` (an agent id, or `none` for the unassigned ones), `unread=true` (the caller's side has
 * unread messages; `false` is no filter).
 */
export const ListConversationsQuery = z.strictObject({
  limit: LimitQueryField.optional(),
  cursor: z.string().min(1).max(200).optional(),
  status: ConversationStatus.optional(),
  assignee: z.union([z.literal(WORKFLOW.unassigned), UserIdField]).optional(),
  unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export type ListConversationsQuery = z.infer<typeof ListConversationsQuery>;

export const ListMessagesQuery = z
  .strictObject({
    limit: LimitQueryField.optional(),
    after: IdField.optional(),
    before: IdField.optional(),
  })
  .refine((q) => q.after === undefined || q.before === undefined, {
    message: 'must not be given together with before',
    path: ['after'],
  });
export type ListMessagesQuery = z.infer<typeof ListMessagesQuery>;

export const ConversationIdParams = z.strictObject({ id: IdField });

export const AppIdParams = z.strictObject({ app_id: IdField });
export const IdentityKeyParams = z.strictObject({ app_id: IdField, kid: z.string().min(1).max(64) });

/** An ES256 public key as a JWK (P-256); the private parts are refused: the app keeps its private key. */
export const PublicEcJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes of base64url'),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes of base64url'),
  kid: z.string().max(64).optional(),
  alg: z.literal('ES256').optional(),
  use: z.literal('sig').optional(),
});
export type PublicEcJwk = z.infer<typeof PublicEcJwk>;

export const CreateIdentityKeyRequest = z
  .discriminatedUnion('alg', [
    z.strictObject({ alg: z.literal('HS256') }),
    z.strictObject({ alg: z.literal('ES256'), jwk: PublicEcJwk }),
  ])
  .meta({ id: 'CreateIdentityKeyRequest' });
export type CreateIdentityKeyRequest = z.infer<typeof CreateIdentityKeyRequest>;

export const UpdateAppRequest = z.strictObject({ identity: IdentityPolicy }).meta({ id: 'UpdateAppRequest' });
export type UpdateAppRequest = z.infer<typeof UpdateAppRequest>;

export const RotateCredentialsRequest = z
  .strictObject({
    which: z.enum(['api_key', 'admin_token']),
    grace_seconds: z.number().int().min(0).max(IDENTITY.graceSecondsMax).default(IDENTITY.graceSecondsDefault),
  })
  .meta({ id: 'RotateCredentialsRequest' });
export type RotateCredentialsRequest = z.infer<typeof RotateCredentialsRequest>;
